# Уведомления подписчикам (задача #19): сообщения клиенту о его подписке.
notify-unsubscribed-by-project = 🔕 Вы больше не подписаны на эти уведомления. Отправьте /start, чтобы вернуться.
subscribe-consent = { $project } хочет присылать вам уведомления здесь.
    { $description }
subscribe-done = ✅ Вы подписаны на { $project }.
