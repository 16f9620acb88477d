console-filter-q = Поиск
console-filter-sla = SLA
console-sla-due-first_response = Первый ответ до
console-sla-due-next_response = Следующий ответ до
console-sla-due-resolution = Решение до
console-canned-pick = Шаблон ответа
