// A ticket's files (the Get-help screenshot, anything staff attached): the list, a preview of the
// chosen picture, and Save as. Pictures come from users' machines, so they are decoded with a size
// limit; nothing is ever opened with another program.
#pragma once

#include "viewer/ui/relay_client.hpp"

#include <QImage>
#include <QWidget>

#include <string>

class QLabel;
class QListWidget;
class QPushButton;

namespace lifeline::viewer::ui {

class AttachmentsView : public QWidget {
    Q_OBJECT
public:
    explicit AttachmentsView(RelayClient& client, QWidget* parent = nullptr);

    // Reads the ticket's attachments; the first picture is previewed.
    void show_ticket(const QString& number);
    // Saves the chosen attachment to `path` (Save as… asks for it).
    void save_selected(const QString& path);

    QListWidget* list() const { return list_; }
    const QImage& preview() const { return preview_image_; }

signals:
    void error(const QString& message);
    void count_changed(int count);
    void previewed();

private:
    void open_selected();
    void show_preview(const QString& content_type, const std::string& bytes);

    RelayClient& client_;
    QString number_;
    v1::AttachmentList attachments_;
    QListWidget* list_;
    QLabel* preview_;
    QLabel* caption_;
    QPushButton* save_;
    QImage preview_image_;
    std::string bytes_;  // the chosen file, for Save as
};

}  // namespace lifeline::viewer::ui
