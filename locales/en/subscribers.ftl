# Subscriber notifications (issue #19): messages the customer receives about their subscription.
notify-unsubscribed-by-project = 🔕 You are no longer subscribed to these notifications. Send /start to come back.
subscribe-done = ✅ You are subscribed to { $project }.
error-unsubscribed = This person is no longer subscribed.
