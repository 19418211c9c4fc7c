<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
    <context>
        <name>ClientText</name>
        <message>
            <source>Lifeline's background service did not answer. Please try again in a moment, or call your helpdesk.</source>
            <translation>Der Lifeline-Hintergrunddienst hat nicht geantwortet. Bitte versuchen Sie es gleich noch einmal oder rufen Sie Ihren Helpdesk an.</translation>
        </message>
        <message>
            <source>Your request could not be sent: %1</source>
            <translation>Ihre Anfrage konnte nicht gesendet werden: %1</translation>
        </message>
        <message>
            <source>The conversation could not be loaded. Are you offline?</source>
            <translation>Das Gespräch konnte nicht geladen werden. Sind Sie offline?</translation>
        </message>
        <message>
            <source>Your message was not sent. You may be offline; please try again later.</source>
            <translation>Ihre Nachricht wurde nicht gesendet. Vielleicht sind Sie offline; bitte versuchen Sie es später noch einmal.</translation>
        </message>
        <message>
            <source>The details could not be loaded. You may be offline.</source>
            <translation>Die Einzelheiten konnten nicht geladen werden. Vielleicht sind Sie offline.</translation>
        </message>
        <message>
            <source>This ticket is closed. If you need more help, please use Get help again.</source>
            <translation>Dieses Ticket ist abgeschlossen. Wenn Sie weitere Hilfe brauchen, wählen Sie bitte wieder „Hilfe holen“.</translation>
        </message>
        <message>
            <source>Your reply was not sent. You may be offline; please try again later.</source>
            <translation>Ihre Antwort wurde nicht gesendet. Vielleicht sind Sie offline; bitte versuchen Sie es später noch einmal.</translation>
        </message>
        <message>
            <source>Your rating was not sent. You may be offline; please try again later.</source>
            <translation>Ihre Bewertung wurde nicht gesendet. Vielleicht sind Sie offline; bitte versuchen Sie es später noch einmal.</translation>
        </message>
        <message>
            <source>the daemon hung up</source>
            <translation>der Hintergrunddienst hat die Verbindung beendet</translation>
        </message>
    </context>
    <context>
        <name>Main</name>
        <message>
            <source>Lifeline: get help from your helpdesk</source>
            <translation>Lifeline: Hilfe von Ihrem Helpdesk</translation>
        </message>
        <message>
            <source>the agent's config file</source>
            <translation>die Konfigurationsdatei des Agenten</translation>
        </message>
        <message>
            <source>the language to use, e.g. de or fa</source>
            <translation>die Sprache, z. B. de oder fa</translation>
        </message>
    </context>
    <context>
        <name>TrayText</name>
        <message>
            <source>A technician</source>
            <translation>Ein Techniker</translation>
        </message>
        <message>
            <source>Lifeline is not running on this computer. Please call your helpdesk.</source>
            <translation>Lifeline läuft auf diesem Computer nicht. Bitte rufen Sie Ihren Helpdesk an.</translation>
        </message>
        <message>
            <source>Lifeline: offline. Requests for help are kept and sent when the connection is back.</source>
            <translation>Lifeline: offline. Hilfeanfragen werden aufbewahrt und gesendet, sobald die Verbindung wieder da ist.</translation>
        </message>
        <message>
            <source>Lifeline: connected to your helpdesk</source>
            <translation>Lifeline: mit Ihrem Helpdesk verbunden</translation>
        </message>
        <message>
            <source>Lifeline: %1</source>
            <translation>Lifeline: %1</translation>
        </message>
        <message>
            <source>Received</source>
            <translation>Eingegangen</translation>
        </message>
        <message>
            <source>Being worked on</source>
            <translation>In Bearbeitung</translation>
        </message>
        <message>
            <source>Waiting for you</source>
            <translation>Wartet auf Sie</translation>
        </message>
        <message>
            <source>Solved</source>
            <translation>Gelöst</translation>
        </message>
        <message>
            <source>Closed</source>
            <translation>Abgeschlossen</translation>
        </message>
        <message>
            <source>Unknown</source>
            <translation>Unbekannt</translation>
        </message>
        <message>
            <source>Screen sharing request</source>
            <translation>Anfrage zur Bildschirmfreigabe</translation>
        </message>
        <message>
            <source>Ticket %1</source>
            <translation>Ticket %1</translation>
        </message>
        <message>
            <source>“%1” is now: %2</source>
            <translation>„%1“ ist jetzt: %2</translation>
        </message>
        <message>
            <source>Message from %1</source>
            <translation>Nachricht von %1</translation>
        </message>
        <message>
            <source>%1 from the helpdesk would like to control your screen. They can already see it.</source>
            <translation>%1 vom Helpdesk möchte Ihren Bildschirm steuern. Sehen kann er ihn bereits.</translation>
        </message>
        <message>
            <source>%1 from the helpdesk would like to see and control your screen.</source>
            <translation>%1 vom Helpdesk möchte Ihren Bildschirm sehen und steuern.</translation>
        </message>
        <message>
            <source>%1 from the helpdesk would like to see your screen.</source>
            <translation>%1 vom Helpdesk möchte Ihren Bildschirm sehen.</translation>
        </message>
        <message>
            <source>About your ticket %1</source>
            <translation>Zu Ihrem Ticket %1</translation>
        </message>
        <message>
            <source>About your ticket %1: %2</source>
            <translation>Zu Ihrem Ticket %1: %2</translation>
        </message>
        <message>
            <source>%1 can see and control your screen</source>
            <translation>%1 kann Ihren Bildschirm sehen und steuern</translation>
        </message>
        <message>
            <source>%1 can see your screen</source>
            <translation>%1 kann Ihren Bildschirm sehen</translation>
        </message>
        <message>
            <source>You</source>
            <translation>Sie</translation>
        </message>
        <message>
            <source>%1  %2: %3</source>
            <translation>%1  %2: %3</translation>
        </message>
        <message>
            <source>Please say in a few words what is wrong.</source>
            <translation>Bitte sagen Sie in wenigen Worten, was nicht stimmt.</translation>
        </message>
        <message>
            <source>Please make the first line shorter. Put the rest under Details.</source>
            <translation>Bitte kürzen Sie die erste Zeile. Der Rest passt unter „Einzelheiten“.</translation>
        </message>
        <message>
            <source>The details are too long. Please shorten them a little.</source>
            <translation>Die Einzelheiten sind zu lang. Bitte kürzen Sie sie etwas.</translation>
        </message>
        <message>
            <source>Write a message first.</source>
            <translation>Schreiben Sie zuerst eine Nachricht.</translation>
        </message>
        <message>
            <source>This message is too long. Please send it in parts.</source>
            <translation>Diese Nachricht ist zu lang. Bitte senden Sie sie in Teilen.</translation>
        </message>
        <message>
            <source>Hardware (computer, screen, keyboard)</source>
            <translation>Hardware (Computer, Bildschirm, Tastatur)</translation>
        </message>
        <message>
            <source>Software (a program)</source>
            <translation>Software (ein Programm)</translation>
        </message>
        <message>
            <source>Network or internet</source>
            <translation>Netzwerk oder Internet</translation>
        </message>
        <message>
            <source>Printer</source>
            <translation>Drucker</translation>
        </message>
        <message>
            <source>Email</source>
            <translation>E-Mail</translation>
        </message>
        <message>
            <source>Account or password</source>
            <translation>Konto oder Passwort</translation>
        </message>
        <message>
            <source>Something else</source>
            <translation>Etwas anderes</translation>
        </message>
        <message>
            <source>Time left to answer: %1. If you do not answer, the answer is no.</source>
            <translation>Zeit zum Antworten: %1. Ohne Antwort gilt: Nein.</translation>
        </message>
        <message>
            <source>The helpdesk answered about “%1”.</source>
            <translation>Der Helpdesk hat zu „%1“ geantwortet.</translation>
        </message>
        <message>
            <source>Write your reply first.</source>
            <translation>Schreiben Sie zuerst Ihre Antwort.</translation>
        </message>
        <message>
            <source>This reply is too long. Please shorten it a little.</source>
            <translation>Diese Antwort ist zu lang. Bitte kürzen Sie sie etwas.</translation>
        </message>
        <message>
            <source>The comment is too long. Please shorten it a little.</source>
            <translation>Der Kommentar ist zu lang. Bitte kürzen Sie ihn etwas.</translation>
        </message>
        <message>
            <source>You asked for help (%1):</source>
            <translation>Ihre Anfrage (%1):</translation>
        </message>
        <message>
            <source>%1 (%2):</source>
            <translation>%1 (%2):</translation>
        </message>
        <message>
            <source>No answer yet. A technician will reply here.</source>
            <translation>Noch keine Antwort. Ein Techniker antwortet Ihnen hier.</translation>
        </message>
        <message>
            <source>Very unhappy</source>
            <translation>Sehr unzufrieden</translation>
        </message>
        <message>
            <source>Unhappy</source>
            <translation>Unzufrieden</translation>
        </message>
        <message>
            <source>Okay</source>
            <translation>In Ordnung</translation>
        </message>
        <message>
            <source>Happy</source>
            <translation>Zufrieden</translation>
        </message>
        <message>
            <source>Very happy</source>
            <translation>Sehr zufrieden</translation>
        </message>
        <message>
            <source>You rated the help: %1 (%2 of 5). Thank you.</source>
            <translation>Ihre Bewertung: %1 (%2 von 5). Vielen Dank.</translation>
        </message>
        <message>
            <source>I am not sure</source>
            <translation>Ich weiß es nicht</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::ChatWindow</name>
        <message>
            <source>Chat: %1</source>
            <translation>Chat: %1</translation>
        </message>
        <message>
            <source>%1: %2</source>
            <translation>%1: %2</translation>
        </message>
        <message>
            <source>Loading the conversation…</source>
            <translation>Das Gespräch wird geladen …</translation>
        </message>
        <message>
            <source>Write to the technician</source>
            <translation>An den Techniker schreiben</translation>
        </message>
        <message>
            <source>&amp;Send</source>
            <translation>&amp;Senden</translation>
        </message>
        <message>
            <source>No messages yet. Write the first one below.</source>
            <translation>Noch keine Nachrichten. Schreiben Sie unten die erste.</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::ConsentPrompt</name>
        <message>
            <source>Someone asks to see your screen</source>
            <translation>Jemand möchte Ihren Bildschirm sehen</translation>
        </message>
        <message>
            <source>A request to see your screen</source>
            <translation>Eine Anfrage, Ihren Bildschirm zu sehen</translation>
        </message>
        <message>
            <source>Only allow this if you asked for help. You can stop it at any time.</source>
            <translation>Erlauben Sie das nur, wenn Sie um Hilfe gebeten haben. Sie können es jederzeit beenden.</translation>
        </message>
        <message>
            <source>&amp;Allow</source>
            <translation>&amp;Erlauben</translation>
        </message>
        <message>
            <source>&amp;Deny</source>
            <translation>&amp;Ablehnen</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::HelpDialog</name>
        <message>
            <source>Get help</source>
            <translation>Hilfe holen</translation>
        </message>
        <message>
            <source>For example: The printer does not print</source>
            <translation>Zum Beispiel: Der Drucker druckt nicht</translation>
        </message>
        <message>
            <source>What were you doing? Did you see a message? (optional)</source>
            <translation>Was haben Sie gerade gemacht? Gab es eine Meldung? (freiwillig)</translation>
        </message>
        <message>
            <source>Attach a &amp;screenshot of my screen</source>
            <translation>Ein &amp;Bildschirmfoto anhängen</translation>
        </message>
        <message>
            <source>Only this picture is sent, once. Untick the box to leave it out.</source>
            <translation>Nur dieses Bild wird gesendet, einmal. Entfernen Sie den Haken, um es wegzulassen.</translation>
        </message>
        <message>
            <source>&amp;What is wrong?</source>
            <translation>&amp;Was stimmt nicht?</translation>
        </message>
        <message>
            <source>&amp;Details</source>
            <translation>&amp;Einzelheiten</translation>
        </message>
        <message>
            <source>&amp;Category</source>
            <translation>&amp;Kategorie</translation>
        </message>
        <message>
            <source>S&amp;end</source>
            <translation>&amp;Senden</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <source>Tell us what is wrong</source>
            <translation>Sagen Sie uns, was nicht stimmt</translation>
        </message>
        <message>
            <source>A technician will read this and help you.</source>
            <translation>Ein Techniker liest das und hilft Ihnen.</translation>
        </message>
        <message>
            <source>&amp;Copy number</source>
            <translation>Nummer &amp;kopieren</translation>
        </message>
        <message>
            <source>C&amp;lose</source>
            <translation>S&amp;chließen</translation>
        </message>
        <message>
            <source>Sending…</source>
            <translation>Wird gesendet …</translation>
        </message>
        <message>
            <source>Your request is saved</source>
            <translation>Ihre Anfrage ist gespeichert</translation>
        </message>
        <message>
            <source>You are offline right now, so it could not reach the helpdesk yet. It is kept safely on this computer and will be sent by itself as soon as the connection is back. You do not need to do anything else.</source>
            <translation>Sie sind gerade offline, deshalb hat die Anfrage den Helpdesk noch nicht erreicht. Sie ist sicher auf diesem Computer gespeichert und wird von selbst gesendet, sobald die Verbindung wieder da ist. Sie müssen nichts weiter tun.</translation>
        </message>
        <message>
            <source>Your request has been sent</source>
            <translation>Ihre Anfrage wurde gesendet</translation>
        </message>
        <message>
            <source>This is your ticket number. Please mention it if you call the helpdesk.

What happens next: a technician will look at your request and contact you. You can follow it under “My tickets” in the Lifeline menu. Nobody will see your screen unless you allow it.</source>
            <translation>Das ist Ihre Ticketnummer. Bitte nennen Sie sie, wenn Sie den Helpdesk anrufen.

Wie es weitergeht: Ein Techniker sieht sich Ihre Anfrage an und meldet sich bei Ihnen. Unter „Meine Tickets“ im Lifeline-Menü können Sie sie verfolgen. Niemand sieht Ihren Bildschirm, wenn Sie es nicht erlauben.</translation>
        </message>
        <message>
            <source>Good to hear it is solved</source>
            <translation>Schön, dass es gelöst ist</translation>
        </message>
        <message>
            <source>No request was sent. If the problem comes back, you can ask for help here at any time.</source>
            <translation>Es wurde keine Anfrage gesendet. Wenn das Problem wiederkommt, können Sie hier jederzeit um Hilfe bitten.</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::SharingBanner</name>
        <message>
            <source>&amp;Stop sharing</source>
            <translation>Freigabe &amp;beenden</translation>
        </message>
        <message>
            <source>Lifeline: screen sharing</source>
            <translation>Lifeline: Bildschirmfreigabe</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::TicketsWindow</name>
        <message>
            <source>My tickets</source>
            <translation>Meine Tickets</translation>
        </message>
        <message>
            <source>Your requests for help</source>
            <translation>Ihre Hilfeanfragen</translation>
        </message>
        <message>
            <source>Number</source>
            <translation>Nummer</translation>
        </message>
        <message>
            <source>What is wrong</source>
            <translation>Was nicht stimmt</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Stand</translation>
        </message>
        <message>
            <source>C&amp;lose</source>
            <translation>S&amp;chließen</translation>
        </message>
        <message>
            <source>Lifeline is not running on this computer, so your tickets cannot be shown.</source>
            <translation>Lifeline läuft auf diesem Computer nicht, deshalb können Ihre Tickets nicht angezeigt werden.</translation>
        </message>
        <message>
            <source>You are offline. Your tickets will show again when the connection is back.</source>
            <translation>Sie sind offline. Ihre Tickets erscheinen wieder, sobald die Verbindung da ist.</translation>
        </message>
        <message>
            <source>You have not asked for help from this computer yet.</source>
            <translation>Sie haben von diesem Computer aus noch nicht um Hilfe gebeten.</translation>
        </message>
        <message>
            <source>Chat</source>
            <translation>Chat</translation>
        </message>
        <message>
            <source>Chat about %1</source>
            <translation>Chat zu %1</translation>
        </message>
        <message>
            <source>Answer the technician or add details</source>
            <translation>Antworten Sie dem Techniker oder ergänzen Sie Einzelheiten</translation>
        </message>
        <message>
            <source>&amp;Your reply</source>
            <translation>&amp;Ihre Antwort</translation>
        </message>
        <message>
            <source>Send &amp;reply</source>
            <translation>Antwort &amp;senden</translation>
        </message>
        <message>
            <source>R&amp;ate the help…</source>
            <translation>Hilfe &amp;bewerten …</translation>
        </message>
        <message>
            <source>Sent. The technician will see it with your ticket.</source>
            <translation>Gesendet. Der Techniker sieht es bei Ihrem Ticket.</translation>
        </message>
        <message>
            <source>Choose a ticket to read the answers and reply. Press Chat to write to the technician.</source>
            <translation>Wählen Sie ein Ticket, um die Antworten zu lesen und zu antworten. Mit „Chat“ schreiben Sie dem Techniker direkt.</translation>
        </message>
        <message>
            <source>Loading the answers…</source>
            <translation>Antworten werden geladen …</translation>
        </message>
        <message>
            <source>%1: %2 (%3)</source>
            <translation>%1: %2 (%3)</translation>
        </message>
        <message>
            <source>Solved. Please tell us how we did.</source>
            <translation>Gelöst. Bitte sagen Sie uns, wie zufrieden Sie sind.</translation>
        </message>
        <message>
            <source>Change r&amp;ating…</source>
            <translation>Bewertung ä&amp;ndern …</translation>
        </message>
        <message>
            <source>This ticket is closed. If you need more help, please use Get help again.</source>
            <translation>Dieses Ticket ist abgeschlossen. Wenn Sie weitere Hilfe brauchen, wählen Sie bitte wieder „Hilfe holen“.</translation>
        </message>
        <message>
            <source>Sending…</source>
            <translation>Wird gesendet …</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::TrayApp</name>
        <message>
            <source>Get &amp;help…</source>
            <translation>&amp;Hilfe holen …</translation>
        </message>
        <message>
            <source>My &amp;tickets</source>
            <translation>Meine &amp;Tickets</translation>
        </message>
        <message>
            <source>&amp;About Lifeline</source>
            <translation>Ü&amp;ber Lifeline</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>B&amp;eenden</translation>
        </message>
        <message>
            <source>About Lifeline</source>
            <translation>Über Lifeline</translation>
        </message>
        <message>
            <source>Lifeline %1

Help from your helpdesk, on this computer. Nobody can see your screen unless you allow it, and you can stop it at any time.</source>
            <translation>Lifeline %1

Hilfe von Ihrem Helpdesk, auf diesem Computer. Niemand sieht Ihren Bildschirm, wenn Sie es nicht erlauben, und Sie können es jederzeit beenden.</translation>
        </message>
        <message>
            <source>Screen sharing request</source>
            <translation>Anfrage zur Bildschirmfreigabe</translation>
        </message>
        <message>
            <source>&amp;Stop sharing my screen</source>
            <translation>Freigabe meines Bildschirms &amp;beenden</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::ArticleDialog</name>
        <message>
            <source>An answer from your helpdesk</source>
            <translation>Eine Antwort von Ihrem Helpdesk</translation>
        </message>
        <message>
            <source>Did this solve your problem?</source>
            <translation>Hat das Ihr Problem gelöst?</translation>
        </message>
        <message>
            <source>&amp;Yes, this solved it</source>
            <translation>&amp;Ja, das hat geholfen</translation>
        </message>
        <message>
            <source>&amp;No, back to my request</source>
            <translation>&amp;Nein, zurück zu meiner Anfrage</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::RatingDialog</name>
        <message>
            <source>Rate the help</source>
            <translation>Hilfe bewerten</translation>
        </message>
        <message>
            <source>How happy are you with the help you got?</source>
            <translation>Wie zufrieden sind Sie mit der Hilfe?</translation>
        </message>
        <message>
            <source>Your ticket %1: %2</source>
            <translation>Ihr Ticket %1: %2</translation>
        </message>
        <message>
            <source>%1 of 5: %2</source>
            <translation>%1 von 5: %2</translation>
        </message>
        <message>
            <source>&amp;Anything you would like to tell us? (optional)</source>
            <translation>&amp;Möchten Sie uns noch etwas sagen? (freiwillig)</translation>
        </message>
        <message>
            <source>S&amp;end rating</source>
            <translation>Bewertung &amp;senden</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
    </context>
    <context>
        <name>lifeline::agent::tray::SuggestionsPanel</name>
        <message>
            <source>Maybe one of these &amp;answers helps right away:</source>
            <translation>Vielleicht hilft eine dieser &amp;Antworten sofort:</translation>
        </message>
        <message>
            <source>Answers that might help</source>
            <translation>Antworten, die helfen könnten</translation>
        </message>
        <message>
            <source>Press Enter or double-click to read one. You can still send your request.</source>
            <translation>Drücken Sie die Eingabetaste oder doppelklicken Sie, um eine zu lesen. Sie können Ihre Anfrage trotzdem senden.</translation>
        </message>
    </context>
    <context>
        <name>QGuiApplication</name>
        <message>
            <source>QT_LAYOUT_DIRECTION</source>
            <comment>Translate this string to the string 'LTR' in left-to-right languages or to 'RTL' in right-to-left languages (such as Hebrew and Arabic) to get proper widget layout.</comment>
            <translation>LTR</translation>
        </message>
    </context>
</TS>
