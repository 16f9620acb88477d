# Шаблоны ответов (/r) и поиск обращений (/find) в группе агентов.
agent-canned-sent = ✅ Отправлено клиенту:
    { $text }
agent-canned-menu = Выберите шаблон ответа для обращения #{ $number }:
agent-canned-none = В проекте пока нет шаблонов ответов. Добавьте их командой `helpdesk canned add` или через API.
agent-canned-unknown = ❓ Шаблона «{ $code }» нет. Ничего не отправлено. Возможно, вы имели в виду: { $codes }?
agent-canned-unknown-none = ❓ Шаблона «{ $code }» нет. Ничего не отправлено. Отправьте /r, чтобы увидеть список.
agent-canned-button = { $code } — { $title }
agent-usage-find = Использование: /find СЛОВА (ищет в темах и сообщениях, включая внутренние заметки)
agent-find-none = По запросу «{ $query }» ничего не найдено.
agent-find-header = Найдено по запросу «{ $query }»:
agent-find-line = #{ $number } · { $subject } · { $status }
