# Subscriber notifications (issue #19): messages the customer receives about their subscription.
notify-unsubscribed-by-project = 🔕 You are no longer subscribed to these notifications. Send /start to come back.
subscribe-consent = { $project } would like to send you notifications here.
    { $description }
subscribe-done = ✅ You are subscribed to { $project }.
