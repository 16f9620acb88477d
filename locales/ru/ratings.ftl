# Оценки качества: опрос после закрытия, ответы на него, строки в теме агентов.
rating-question = ⭐ Как вы оцениваете нашу помощь по заявке #{ $number }? 1 — плохо, 5 — отлично.
rating-about-ticket = ⭐ Заявка #{ $number }
rating-button = { $score }
rating-ask-comment = Спасибо! Хотите что-то добавить? Напишите одним сообщением или нажмите «Пропустить».
button-rating-skip = Пропустить
rating-thanks = 🙏 Спасибо за отзыв!
rating-ended = ⌛ Этот опрос уже завершён.
rating-already-rated = Вы уже оценили эту заявку. Спасибо!
rating-comment-text-only = Пожалуйста, напишите комментарий текстом или нажмите «Пропустить».
agent-rating = ⭐ Оценка клиента: { $score }/5
agent-rating-comment = 💬 Комментарий клиента к оценке:
