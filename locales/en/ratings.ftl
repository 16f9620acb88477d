# Satisfaction ratings: the survey after a close, its answers, the agent topic's lines.
rating-question = ⭐ How would you rate our help with ticket #{ $number }? 1 is bad, 5 is great.
rating-about-ticket = ⭐ Ticket #{ $number }
rating-button = { $score }
rating-ask-comment = Thank you! Anything to add? Write it in one message, or press Skip.
button-rating-skip = Skip
rating-thanks = 🙏 Thank you for your feedback!
rating-ended = ⌛ This survey has ended.
rating-already-rated = You have already rated this ticket. Thank you!
rating-comment-text-only = Please write your comment as text, or press Skip.
agent-rating = ⭐ Customer rating: { $score }/5
agent-rating-comment = 💬 Customer's comment on the rating:
