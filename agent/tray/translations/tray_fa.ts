<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa" sourcelanguage="en">
    <context>
        <name>ClientText</name>
        <message>
            <source>Lifeline's background service did not answer. Please try again in a moment, or call your helpdesk.</source>
            <translation>سرویس پس‌زمینهٔ لایف‌لاین پاسخ نداد. لطفاً کمی بعد دوباره امتحان کنید یا با پشتیبانی تماس بگیرید.</translation>
        </message>
        <message>
            <source>Your request could not be sent: %1</source>
            <translation>درخواست شما فرستاده نشد: %1</translation>
        </message>
        <message>
            <source>The conversation could not be loaded. Are you offline?</source>
            <translation>گفتگو بارگذاری نشد. آیا آفلاین هستید؟</translation>
        </message>
        <message>
            <source>Your message was not sent. You may be offline; please try again later.</source>
            <translation>پیام شما فرستاده نشد. شاید آفلاین باشید؛ لطفاً بعداً دوباره امتحان کنید.</translation>
        </message>
        <message>
            <source>The details could not be loaded. You may be offline.</source>
            <translation>جزئیات بارگذاری نشد. شاید آفلاین باشید.</translation>
        </message>
        <message>
            <source>This ticket is closed. If you need more help, please use Get help again.</source>
            <translation>این درخواست بسته شده است. اگر باز هم کمک لازم دارید، لطفاً دوباره «کمک بگیرید» را بزنید.</translation>
        </message>
        <message>
            <source>Your reply was not sent. You may be offline; please try again later.</source>
            <translation>پاسخ شما فرستاده نشد. شاید آفلاین باشید؛ لطفاً بعداً دوباره امتحان کنید.</translation>
        </message>
        <message>
            <source>Your rating was not sent. You may be offline; please try again later.</source>
            <translation>امتیاز شما فرستاده نشد. شاید آفلاین باشید؛ لطفاً بعداً دوباره امتحان کنید.</translation>
        </message>
        <message>
            <source>the daemon hung up</source>
            <translation>سرویس پس‌زمینه اتصال را قطع کرد</translation>
        </message>
    </context>
    <context>
        <name>Main</name>
        <message>
            <source>Lifeline: get help from your helpdesk</source>
            <translation>لایف‌لاین: کمک گرفتن از پشتیبانی</translation>
        </message>
        <message>
            <source>the agent's config file</source>
            <translation>فایل پیکربندی عامل</translation>
        </message>
        <message>
            <source>the language to use, e.g. de or fa</source>
            <translation>زبان برنامه، مثلاً de یا fa</translation>
        </message>
    </context>
    <context>
        <name>TrayText</name>
        <message>
            <source>A technician</source>
            <translation>یک کارشناس</translation>
        </message>
        <message>
            <source>Lifeline is not running on this computer. Please call your helpdesk.</source>
            <translation>لایف‌لاین روی این رایانه اجرا نمی‌شود. لطفاً با پشتیبانی تماس بگیرید.</translation>
        </message>
        <message>
            <source>Lifeline: offline. Requests for help are kept and sent when the connection is back.</source>
            <translation>لایف‌لاین: آفلاین. درخواست‌های کمک نگه داشته می‌شوند و وقتی اتصال برگشت فرستاده می‌شوند.</translation>
        </message>
        <message>
            <source>Lifeline: connected to your helpdesk</source>
            <translation>لایف‌لاین: به پشتیبانی وصل است</translation>
        </message>
        <message>
            <source>Lifeline: %1</source>
            <translation>لایف‌لاین: %1</translation>
        </message>
        <message>
            <source>Received</source>
            <translation>دریافت شد</translation>
        </message>
        <message>
            <source>Being worked on</source>
            <translation>در حال رسیدگی</translation>
        </message>
        <message>
            <source>Waiting for you</source>
            <translation>در انتظار شما</translation>
        </message>
        <message>
            <source>Solved</source>
            <translation>حل شد</translation>
        </message>
        <message>
            <source>Closed</source>
            <translation>بسته شد</translation>
        </message>
        <message>
            <source>Unknown</source>
            <translation>نامشخص</translation>
        </message>
        <message>
            <source>Screen sharing request</source>
            <translation>درخواست اشتراک صفحه</translation>
        </message>
        <message>
            <source>Ticket %1</source>
            <translation>درخواست %1</translation>
        </message>
        <message>
            <source>“%1” is now: %2</source>
            <translation>«%1» اکنون: %2</translation>
        </message>
        <message>
            <source>Message from %1</source>
            <translation>پیام از %1</translation>
        </message>
        <message>
            <source>%1 from the helpdesk would like to control your screen. They can already see it.</source>
            <translation>‏%1 از پشتیبانی می‌خواهد صفحهٔ شما را کنترل کند. او هم‌اکنون صفحه را می‌بیند.</translation>
        </message>
        <message>
            <source>%1 from the helpdesk would like to see and control your screen.</source>
            <translation>‏%1 از پشتیبانی می‌خواهد صفحهٔ شما را ببیند و کنترل کند.</translation>
        </message>
        <message>
            <source>%1 from the helpdesk would like to see your screen.</source>
            <translation>‏%1 از پشتیبانی می‌خواهد صفحهٔ شما را ببیند.</translation>
        </message>
        <message>
            <source>About your ticket %1</source>
            <translation>دربارهٔ درخواست شما %1</translation>
        </message>
        <message>
            <source>About your ticket %1: %2</source>
            <translation>دربارهٔ درخواست شما %1: %2</translation>
        </message>
        <message>
            <source>%1 can see and control your screen</source>
            <translation>‏%1 صفحهٔ شما را می‌بیند و کنترل می‌کند</translation>
        </message>
        <message>
            <source>%1 can see your screen</source>
            <translation>‏%1 صفحهٔ شما را می‌بیند</translation>
        </message>
        <message>
            <source>You</source>
            <translation>شما</translation>
        </message>
        <message>
            <source>%1  %2: %3</source>
            <translation>‏%1  %2: %3</translation>
        </message>
        <message>
            <source>Please say in a few words what is wrong.</source>
            <translation>لطفاً در چند کلمه بگویید چه مشکلی پیش آمده است.</translation>
        </message>
        <message>
            <source>Please make the first line shorter. Put the rest under Details.</source>
            <translation>لطفاً خط اول را کوتاه‌تر کنید. بقیه را در «جزئیات» بنویسید.</translation>
        </message>
        <message>
            <source>The details are too long. Please shorten them a little.</source>
            <translation>جزئیات خیلی طولانی است. لطفاً کمی کوتاهش کنید.</translation>
        </message>
        <message>
            <source>Write a message first.</source>
            <translation>اول یک پیام بنویسید.</translation>
        </message>
        <message>
            <source>This message is too long. Please send it in parts.</source>
            <translation>این پیام خیلی طولانی است. لطفاً آن را در چند بخش بفرستید.</translation>
        </message>
        <message>
            <source>Hardware (computer, screen, keyboard)</source>
            <translation>سخت‌افزار (رایانه، نمایشگر، صفحه‌کلید)</translation>
        </message>
        <message>
            <source>Software (a program)</source>
            <translation>نرم‌افزار (یک برنامه)</translation>
        </message>
        <message>
            <source>Network or internet</source>
            <translation>شبکه یا اینترنت</translation>
        </message>
        <message>
            <source>Printer</source>
            <translation>چاپگر</translation>
        </message>
        <message>
            <source>Email</source>
            <translation>ایمیل</translation>
        </message>
        <message>
            <source>Account or password</source>
            <translation>حساب کاربری یا گذرواژه</translation>
        </message>
        <message>
            <source>Something else</source>
            <translation>چیز دیگر</translation>
        </message>
        <message>
            <source>Time left to answer: %1. If you do not answer, the answer is no.</source>
            <translation>زمان باقی‌مانده برای پاسخ: %1. اگر پاسخ ندهید، پاسخ «نه» است.</translation>
        </message>
        <message>
            <source>The helpdesk answered about “%1”.</source>
            <translation>پشتیبانی دربارهٔ «%1» پاسخ داد.</translation>
        </message>
        <message>
            <source>Write your reply first.</source>
            <translation>اول پاسخ خود را بنویسید.</translation>
        </message>
        <message>
            <source>This reply is too long. Please shorten it a little.</source>
            <translation>این پاسخ خیلی طولانی است. لطفاً کمی کوتاهش کنید.</translation>
        </message>
        <message>
            <source>The comment is too long. Please shorten it a little.</source>
            <translation>این توضیح خیلی طولانی است. لطفاً کمی کوتاهش کنید.</translation>
        </message>
        <message>
            <source>You asked for help (%1):</source>
            <translation>درخواست کمک شما (%1):</translation>
        </message>
        <message>
            <source>%1 (%2):</source>
            <translation>‏%1 (%2):</translation>
        </message>
        <message>
            <source>No answer yet. A technician will reply here.</source>
            <translation>هنوز پاسخی نیامده است. کارشناس همین‌جا پاسخ می‌دهد.</translation>
        </message>
        <message>
            <source>Very unhappy</source>
            <translation>خیلی ناراضی</translation>
        </message>
        <message>
            <source>Unhappy</source>
            <translation>ناراضی</translation>
        </message>
        <message>
            <source>Okay</source>
            <translation>معمولی</translation>
        </message>
        <message>
            <source>Happy</source>
            <translation>راضی</translation>
        </message>
        <message>
            <source>Very happy</source>
            <translation>خیلی راضی</translation>
        </message>
        <message>
            <source>You rated the help: %1 (%2 of 5). Thank you.</source>
            <translation>امتیاز شما: %1 (%2 از 5). سپاسگزاریم.</translation>
        </message>
        <message>
            <source>I am not sure</source>
            <translation>مطمئن نیستم</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::ChatWindow</name>
        <message>
            <source>Chat: %1</source>
            <translation>گفتگو: %1</translation>
        </message>
        <message>
            <source>%1: %2</source>
            <translation>‏%1: %2</translation>
        </message>
        <message>
            <source>Loading the conversation…</source>
            <translation>در حال بارگذاری گفتگو…</translation>
        </message>
        <message>
            <source>Write to the technician</source>
            <translation>به کارشناس بنویسید</translation>
        </message>
        <message>
            <source>&amp;Send</source>
            <translation>&amp;فرستادن</translation>
        </message>
        <message>
            <source>No messages yet. Write the first one below.</source>
            <translation>هنوز پیامی نیست. اولین پیام را پایین بنویسید.</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::ConsentPrompt</name>
        <message>
            <source>Someone asks to see your screen</source>
            <translation>کسی می‌خواهد صفحهٔ شما را ببیند</translation>
        </message>
        <message>
            <source>A request to see your screen</source>
            <translation>درخواست دیدن صفحهٔ شما</translation>
        </message>
        <message>
            <source>Only allow this if you asked for help. You can stop it at any time.</source>
            <translation>فقط اگر خودتان درخواست کمک کرده‌اید اجازه دهید. هر وقت بخواهید می‌توانید آن را قطع کنید.</translation>
        </message>
        <message>
            <source>&amp;Allow</source>
            <translation>&amp;اجازه می‌دهم</translation>
        </message>
        <message>
            <source>&amp;Deny</source>
            <translation>اجازه &amp;نمی‌دهم</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::HelpDialog</name>
        <message>
            <source>Get help</source>
            <translation>کمک بگیرید</translation>
        </message>
        <message>
            <source>For example: The printer does not print</source>
            <translation>مثلاً: چاپگر چاپ نمی‌کند</translation>
        </message>
        <message>
            <source>What were you doing? Did you see a message? (optional)</source>
            <translation>چه کاری می‌کردید؟ پیامی دیدید؟ (اختیاری)</translation>
        </message>
        <message>
            <source>Attach a &amp;screenshot of my screen</source>
            <translation>یک &amp;تصویر از صفحهٔ من پیوست شود</translation>
        </message>
        <message>
            <source>Only this picture is sent, once. Untick the box to leave it out.</source>
            <translation>فقط همین تصویر، یک بار، فرستاده می‌شود. برای نفرستادن، تیک را بردارید.</translation>
        </message>
        <message>
            <source>&amp;What is wrong?</source>
            <translation>&amp;مشکل چیست؟</translation>
        </message>
        <message>
            <source>&amp;Details</source>
            <translation>&amp;جزئیات</translation>
        </message>
        <message>
            <source>&amp;Category</source>
            <translation>&amp;دسته</translation>
        </message>
        <message>
            <source>S&amp;end</source>
            <translation>&amp;فرستادن</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>انصراف</translation>
        </message>
        <message>
            <source>Tell us what is wrong</source>
            <translation>بگویید چه مشکلی دارید</translation>
        </message>
        <message>
            <source>A technician will read this and help you.</source>
            <translation>یک کارشناس این را می‌خواند و به شما کمک می‌کند.</translation>
        </message>
        <message>
            <source>&amp;Copy number</source>
            <translation>&amp;رونوشت شماره</translation>
        </message>
        <message>
            <source>C&amp;lose</source>
            <translation>&amp;بستن</translation>
        </message>
        <message>
            <source>Sending…</source>
            <translation>در حال فرستادن…</translation>
        </message>
        <message>
            <source>Your request is saved</source>
            <translation>درخواست شما ذخیره شد</translation>
        </message>
        <message>
            <source>You are offline right now, so it could not reach the helpdesk yet. It is kept safely on this computer and will be sent by itself as soon as the connection is back. You do not need to do anything else.</source>
            <translation>شما الان آفلاین هستید، برای همین درخواست هنوز به پشتیبانی نرسیده است. درخواست با خیال راحت روی این رایانه نگه داشته می‌شود و به‌محض برگشتن اتصال، خودبه‌خود فرستاده می‌شود. لازم نیست کار دیگری بکنید.</translation>
        </message>
        <message>
            <source>Your request has been sent</source>
            <translation>درخواست شما فرستاده شد</translation>
        </message>
        <message>
            <source>This is your ticket number. Please mention it if you call the helpdesk.

What happens next: a technician will look at your request and contact you. You can follow it under “My tickets” in the Lifeline menu. Nobody will see your screen unless you allow it.</source>
            <translation>این شمارهٔ درخواست شماست. اگر با پشتیبانی تماس گرفتید، لطفاً آن را بگویید.

قدم بعدی: یک کارشناس درخواست شما را بررسی می‌کند و با شما تماس می‌گیرد. می‌توانید آن را در «درخواست‌های من» در منوی لایف‌لاین دنبال کنید. تا شما اجازه ندهید، هیچ‌کس صفحهٔ شما را نمی‌بیند.</translation>
        </message>
        <message>
            <source>Good to hear it is solved</source>
            <translation>خوشحالیم که مشکل حل شد</translation>
        </message>
        <message>
            <source>No request was sent. If the problem comes back, you can ask for help here at any time.</source>
            <translation>درخواستی فرستاده نشد. اگر مشکل دوباره پیش آمد، هر وقت خواستید می‌توانید از همین‌جا کمک بخواهید.</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::SharingBanner</name>
        <message>
            <source>&amp;Stop sharing</source>
            <translation>&amp;قطع اشتراک</translation>
        </message>
        <message>
            <source>Lifeline: screen sharing</source>
            <translation>لایف‌لاین: اشتراک صفحه</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::TicketsWindow</name>
        <message>
            <source>My tickets</source>
            <translation>درخواست‌های من</translation>
        </message>
        <message>
            <source>Your requests for help</source>
            <translation>درخواست‌های کمک شما</translation>
        </message>
        <message>
            <source>Number</source>
            <translation>شماره</translation>
        </message>
        <message>
            <source>What is wrong</source>
            <translation>مشکل</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>وضعیت</translation>
        </message>
        <message>
            <source>C&amp;lose</source>
            <translation>&amp;بستن</translation>
        </message>
        <message>
            <source>Lifeline is not running on this computer, so your tickets cannot be shown.</source>
            <translation>لایف‌لاین روی این رایانه اجرا نمی‌شود، برای همین درخواست‌های شما نشان داده نمی‌شوند.</translation>
        </message>
        <message>
            <source>You are offline. Your tickets will show again when the connection is back.</source>
            <translation>شما آفلاین هستید. وقتی اتصال برگردد، درخواست‌هایتان دوباره نشان داده می‌شوند.</translation>
        </message>
        <message>
            <source>You have not asked for help from this computer yet.</source>
            <translation>هنوز از این رایانه درخواست کمک نکرده‌اید.</translation>
        </message>
        <message>
            <source>Chat</source>
            <translation>گفتگو</translation>
        </message>
        <message>
            <source>Chat about %1</source>
            <translation>گفتگو دربارهٔ %1</translation>
        </message>
        <message>
            <source>Answer the technician or add details</source>
            <translation>به کارشناس پاسخ دهید یا جزئیات را اضافه کنید</translation>
        </message>
        <message>
            <source>&amp;Your reply</source>
            <translation>&amp;پاسخ شما</translation>
        </message>
        <message>
            <source>Send &amp;reply</source>
            <translation>&amp;فرستادن پاسخ</translation>
        </message>
        <message>
            <source>R&amp;ate the help…</source>
            <translation>&amp;امتیاز به کمک…</translation>
        </message>
        <message>
            <source>Sent. The technician will see it with your ticket.</source>
            <translation>فرستاده شد. کارشناس آن را همراه درخواستتان می‌بیند.</translation>
        </message>
        <message>
            <source>Choose a ticket to read the answers and reply. Press Chat to write to the technician.</source>
            <translation>یک درخواست را انتخاب کنید تا پاسخ‌ها را بخوانید و جواب دهید. برای نوشتن به کارشناس، «گفتگو» را بزنید.</translation>
        </message>
        <message>
            <source>Loading the answers…</source>
            <translation>در حال بارگذاری پاسخ‌ها…</translation>
        </message>
        <message>
            <source>%1: %2 (%3)</source>
            <translation>‏%1: %2 (%3)</translation>
        </message>
        <message>
            <source>Solved. Please tell us how we did.</source>
            <translation>حل شد. لطفاً بگویید کار ما چطور بود.</translation>
        </message>
        <message>
            <source>Change r&amp;ating…</source>
            <translation>&amp;تغییر امتیاز…</translation>
        </message>
        <message>
            <source>This ticket is closed. If you need more help, please use Get help again.</source>
            <translation>این درخواست بسته شده است. اگر باز هم کمک لازم دارید، لطفاً دوباره «کمک بگیرید» را بزنید.</translation>
        </message>
        <message>
            <source>Sending…</source>
            <translation>در حال فرستادن…</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::TrayApp</name>
        <message>
            <source>Get &amp;help…</source>
            <translation>&amp;کمک بگیرید…</translation>
        </message>
        <message>
            <source>My &amp;tickets</source>
            <translation>درخواست‌های &amp;من</translation>
        </message>
        <message>
            <source>&amp;About Lifeline</source>
            <translation>&amp;دربارهٔ لایف‌لاین</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>&amp;خروج</translation>
        </message>
        <message>
            <source>About Lifeline</source>
            <translation>دربارهٔ لایف‌لاین</translation>
        </message>
        <message>
            <source>Lifeline %1

Help from your helpdesk, on this computer. Nobody can see your screen unless you allow it, and you can stop it at any time.</source>
            <translation>لایف‌لاین %1

کمک پشتیبانی، روی همین رایانه. تا شما اجازه ندهید، هیچ‌کس صفحهٔ شما را نمی‌بیند و هر وقت بخواهید می‌توانید آن را قطع کنید.</translation>
        </message>
        <message>
            <source>Screen sharing request</source>
            <translation>درخواست اشتراک صفحه</translation>
        </message>
        <message>
            <source>&amp;Stop sharing my screen</source>
            <translation>&amp;قطع اشتراک صفحهٔ من</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::ArticleDialog</name>
        <message>
            <source>An answer from your helpdesk</source>
            <translation>پاسخی از پشتیبانی شما</translation>
        </message>
        <message>
            <source>Did this solve your problem?</source>
            <translation>آیا این مشکل شما را حل کرد؟</translation>
        </message>
        <message>
            <source>&amp;Yes, this solved it</source>
            <translation>مشکلم &amp;حل شد</translation>
        </message>
        <message>
            <source>&amp;No, back to my request</source>
            <translation>&amp;برگشت به درخواستم</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::RatingDialog</name>
        <message>
            <source>Rate the help</source>
            <translation>امتیاز به کمک</translation>
        </message>
        <message>
            <source>How happy are you with the help you got?</source>
            <translation>چقدر از کمکی که گرفتید راضی هستید؟</translation>
        </message>
        <message>
            <source>Your ticket %1: %2</source>
            <translation>درخواست شما %1: %2</translation>
        </message>
        <message>
            <source>%1 of 5: %2</source>
            <translation>‏%1 از 5: %2</translation>
        </message>
        <message>
            <source>&amp;Anything you would like to tell us? (optional)</source>
            <translation>&amp;چیزی هست که بخواهید به ما بگویید؟ (اختیاری)</translation>
        </message>
        <message>
            <source>S&amp;end rating</source>
            <translation>&amp;فرستادن امتیاز</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>انصراف</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::SuggestionsPanel</name>
        <message>
            <source>Maybe one of these &amp;answers helps right away:</source>
            <translation>شاید یکی از این &amp;پاسخ‌ها همین حالا کمک کند:</translation>
        </message>
        <message>
            <source>Answers that might help</source>
            <translation>پاسخ‌هایی که شاید کمک کنند</translation>
        </message>
        <message>
            <source>Press Enter or double-click to read one. You can still send your request.</source>
            <translation>برای خواندن، Enter را بزنید یا دوبار کلیک کنید. همچنان می‌توانید درخواستتان را بفرستید.</translation>
        </message>
    </context>
    <context>
        <name>QGuiApplication</name>
        <message>
            <source>QT_LAYOUT_DIRECTION</source>
            <comment>Translate this string to the string 'LTR' in left-to-right languages or to 'RTL' in right-to-left languages (such as Hebrew and Arabic) to get proper widget layout.</comment>
            <translation>RTL</translation>
        </message>
    </context>
</TS>
