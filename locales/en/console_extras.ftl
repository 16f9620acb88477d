console-filter-q = Search
console-filter-sla = SLA
console-sla-due-first_response = First reply due
console-sla-due-next_response = Next reply due
console-sla-due-resolution = Resolution due
console-canned-pick = Canned reply
