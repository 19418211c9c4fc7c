#include "viewer/ui/attachments_view.hpp"

#include "viewer/models/ticket_text.hpp"

#include <QBuffer>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QVBoxLayout>

namespace lifeline::viewer::ui {

namespace {

constexpr int kMaxPreviewSide = 8192;  // a bigger "screenshot" is not one: no preview, Save as still works

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

AttachmentsView::AttachmentsView(RelayClient& client, QWidget* parent) : QWidget(parent), client_(client) {
    list_ = new QListWidget;
    list_->setObjectName("attachments");
    list_->setMaximumHeight(110);
    preview_ = new QLabel;
    preview_->setAlignment(Qt::AlignCenter);
    preview_->setObjectName("attachment-preview");
    caption_ = new QLabel;
    caption_->setTextFormat(Qt::PlainText);
    save_ = new QPushButton(tr("&Save as…"));
    save_->setEnabled(false);
    auto* scroll = new QScrollArea;
    scroll->setWidget(preview_);
    scroll->setWidgetResizable(true);
    auto* row = new QHBoxLayout;
    row->addWidget(caption_, 1);
    row->addWidget(save_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(list_);
    layout->addWidget(scroll, 1);
    layout->addLayout(row);

    connect(list_, &QListWidget::currentRowChanged, this, [this] { open_selected(); });
    connect(save_, &QPushButton::clicked, this, [this] {
        const auto* item = list_->currentItem();
        const QString path = QFileDialog::getSaveFileName(this, tr("Save the attachment"),
                                                          item ? item->data(Qt::UserRole + 1).toString() : "");
        if (!path.isEmpty()) save_selected(path);
    });
}

void AttachmentsView::show_ticket(const QString& number) {
    number_ = number;
    list_->clear();
    preview_->clear();
    caption_->clear();
    preview_image_ = {};
    bytes_.clear();
    save_->setEnabled(false);
    client_.call<v1::AttachmentList>(
        this, [n = number.toStdString()](RelayApi& api) { return api.attachments(n); },
        [this, number](core::Result<v1::AttachmentList> list) {
            if (number != number_) return;
            if (!list) return emit error(q(list.error().message));
            attachments_ = std::move(*list);
            for (const auto& a : attachments_.attachments()) {
                auto* item = new QListWidgetItem(
                    tr("%1 — %2, %3, from %4")
                        .arg(q(a.name()), q(a.content_type()), models::format_bytes(a.size()), q(a.created_by())),
                    list_);
                item->setData(Qt::UserRole, QVariant::fromValue<qint64>(a.id()));
                item->setData(Qt::UserRole + 1, q(a.name()));
                item->setToolTip(tr("SHA-256 %1").arg(q(a.sha256())));
            }
            emit count_changed(attachments_.attachments_size());
            if (list_->count() > 0) list_->setCurrentRow(0);
        });
}

void AttachmentsView::open_selected() {
    const int row = list_->currentRow();
    if (row < 0 || row >= attachments_.attachments_size()) return;
    const v1::Attachment attachment = attachments_.attachments(row);
    save_->setEnabled(false);
    client_.call<std::string>(
        this,
        [n = number_.toStdString(), id = attachment.id()](RelayApi& api) { return api.download_attachment(n, id); },
        [this, number = number_, attachment, row](core::Result<std::string> bytes) {
            if (number != number_ || row != list_->currentRow()) return;
            if (!bytes) return emit error(q(bytes.error().message));
            bytes_ = std::move(*bytes);
            save_->setEnabled(true);
            show_preview(q(attachment.content_type()), bytes_);
        });
}

void AttachmentsView::show_preview(const QString& content_type, const std::string& bytes) {
    preview_image_ = {};
    preview_->clear();
    if (content_type == "image/png" || content_type == "image/jpeg") {
        QByteArray encoded = QByteArray::fromRawData(bytes.data(), static_cast<qsizetype>(bytes.size()));
        QBuffer buffer(&encoded);
        buffer.open(QIODevice::ReadOnly);
        QImageReader reader(&buffer, content_type == "image/png" ? "png" : "jpeg");
        const QSize size = reader.size();
        if (size.isValid() && size.width() <= kMaxPreviewSide && size.height() <= kMaxPreviewSide) {
            preview_image_ = reader.read();
        }
        if (preview_image_.isNull()) {
            caption_->setText(tr("This picture cannot be shown; Save as keeps the file."));
        } else {
            preview_->setPixmap(QPixmap::fromImage(preview_image_));
            caption_->setText(tr("%1 × %2").arg(preview_image_.width()).arg(preview_image_.height()));
        }
    } else {
        caption_->setText(tr("No preview for %1; Save as keeps the file.").arg(content_type));
    }
    emit previewed();
}

void AttachmentsView::save_selected(const QString& path) {
    // Written whole or not at all.
    QSaveFile file(path);
    const bool ok =
        !bytes_.empty() && file.open(QIODevice::WriteOnly) &&
        file.write(bytes_.data(), static_cast<qint64>(bytes_.size())) == static_cast<qint64>(bytes_.size()) &&
        file.commit();
    if (!ok) emit error(tr("Could not save %1").arg(path));
}

}  // namespace lifeline::viewer::ui
