# Бот MAX и файлы между мессенджерами. Экраны MAX используют bot.ftl; здесь только то, что
# нужно одному MAX. Ключи: max-<что> для клиентов, agent-relay-max-<что> для группы агентов.

## файл агента из Telegram, который не удалось передать в MAX (слишком большой или пропал)
max-file-unavailable = 📎 { $kind } «{ $name }» ({ $size }) не удалось доставить сюда. Попросите поддержку прислать его иначе.

## файл клиента из MAX, который не удалось передать в Telegram
agent-relay-max-file-too-big = 📎 { $customer } отправил(а) { $kind } «{ $name }» ({ $size }) в MAX: слишком большой для бота Telegram (до 50 МБ). Откройте его через API или MAX.
agent-relay-max-file-failed = 📎 { $customer } отправил(а) { $kind } «{ $name }» ({ $size }) в MAX: его не удалось скачать. Откройте его через API или MAX.

## размеры файлов
file-size-kb = { $size } КБ
file-size-mb = { $size } МБ
file-size-unknown = размер неизвестен
