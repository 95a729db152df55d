"""A small ru / uk / en help center and the searches it must answer well.

ARTICLES: (key, language, title, body, translation_of key or None).
QUERIES: (query, reader language, key that must rank first, keys that must also be
in the top 3). Each covers one promise of the search: word forms, title above body,
a one-letter typo, translations collapsed to the reader's language, and a long
question where only some words match.
"""

ARTICLES = [
    ("reset-password", "en", "How to reset your password",
     "Open the sign-in page, click **Forgot password** and follow the link we email you. "
     "The link works for one hour.", None),
    ("two-factor", "en", "Turn on two-factor authentication",
     "Two-factor authentication protects your account. Scan the QR code with an "
     "authenticator app, then enter the code.", None),
    ("invoice-download", "en", "Download an invoice",
     "Invoices are in Billing, Invoices. Each invoice downloads as a PDF. We never "
     "print your password on an invoice, and support never asks for your password.", None),
    ("printer-offline", "en", "Printer shows offline",
     "Check the cable and the network. Restart the printer and the print spooler.", None),
    ("email-notifications", "en", "Email notifications are not arriving",
     "Check the spam folder, then the notification settings in your profile.", None),
    ("ru-parol", "ru", "Как сбросить пароль",
     "Откройте страницу входа, нажмите «Забыли пароль?» и перейдите по ссылке из письма. "
     "Ссылка действует один час.", "reset-password"),
    ("ru-printer", "ru", "Принтер не печатает",
     "Проверьте кабель и подключение к сети. Перезапустите принтер и службу печати. Если "
     "принтера нет в списке устройств, установите драйвер.", None),
    ("ru-oplata", "ru", "Оплата счёта банковской картой",
     "Счета можно оплатить картой в разделе «Платежи». Квитанция придёт на электронную "
     "почту.", None),
    ("ru-dostavka", "ru", "Сроки доставки заказа",
     "Заказы доставляются за 3–5 рабочих дней. Номер отслеживания придёт в письме. "
     "Принтеры и другие крупные товары доставляет курьер.", None),
    ("ru-uvedomleniya", "ru", "Уведомления по электронной почте не приходят",
     "Проверьте папку «Спам» и настройки уведомлений в профиле.", "email-notifications"),
    ("ru-2fa", "ru", "Двухфакторная аутентификация",
     "Включите двухфакторную аутентификацию в профиле: отсканируйте QR-код приложением и "
     "введите код.", "two-factor"),
    ("uk-parol", "uk", "Як скинути пароль",
     "Відкрийте сторінку входу, натисніть «Забули пароль?» і перейдіть за посиланням з "
     "листа.", "reset-password"),
    ("uk-rakhunok", "uk", "Оплата рахунку карткою",
     "Рахунки можна сплатити банківською карткою в розділі «Платежі».", "ru-oplata"),
    ("uk-drukarka", "uk", "Принтер не друкує",
     "Перевірте кабель і мережу. Перезапустіть принтер і службу друку.", "ru-printer"),
    ("uk-dostavka", "uk", "Терміни доставки замовлення",
     "Замовлення доставляємо за 3–5 робочих днів.", "ru-dostavka"),
    ("uk-spovishchennya", "uk", "Налаштування сповіщень",
     "Сповіщення електронною поштою налаштовуються в профілі.", None),
]  # fmt: skip

QUERIES = [
    # word forms
    ("принтера не печатают", "ru", "ru-printer", []),
    ("оплатить счета", "ru", "ru-oplata", []),
    ("уведомления не приходят на почту", "ru", "ru-uvedomleniya", []),
    ("сплатити рахунок", "uk", "uk-rakhunok", []),
    ("сповіщення поштою", "uk", "uk-spovishchennya", []),
    ("доставка замовлення", "uk", "uk-dostavka", []),
    ("resetting passwords", "en", "reset-password", []),
    # title above body
    ("password", "en", "reset-password", ["invoice-download"]),
    ("принтер", "ru", "ru-printer", ["ru-dostavka"]),
    # one-letter typo in a word of 6+ letters
    ("пороль", "ru", "ru-parol", []),
    ("pasword", "en", "reset-password", ["invoice-download"]),
    ("принтр", "ru", "ru-printer", []),
    ("authentifcation", "en", "two-factor", []),
    # translations collapse to the reader's language
    ("пароль", "uk", "uk-parol", []),
    ("двухфакторная аутентификация", "uk", "ru-2fa", []),
    # a long question: only some of its words are in the article
    ("I forgot my password and cannot sign in", "en", "reset-password", []),
]
