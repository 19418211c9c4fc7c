#include "viewer/ui/remote_view.hpp"

#include "viewer/models/key_mapping.hpp"

#include <QKeyEvent>
#include <QMetaObject>
#include <QMouseEvent>
#include <QPainter>
#include <QTimer>
#include <QWheelEvent>

namespace lifeline::viewer::ui {

RemoteView::RemoteView(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void RemoteView::attach(RfbClient* client) {
    client_ = client;
    for (const auto& [code, keysym] : pressed_) {
        if (client_ != nullptr) (void)client_->send_key(keysym, false);
    }
    pressed_.clear();
    refresh();
}

void RemoteView::set_fit(bool fit) {
    fit_ = fit;
    updateGeometry();
    if (!fit_ && !image_.isNull()) setFixedSize(image_.size());
    if (fit_) {
        setMinimumSize(0, 0);
        setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX);
    }
    update();
}

void RemoteView::set_placeholder(const QString& text) {
    placeholder_ = text;
    update();
}

QSize RemoteView::sizeHint() const { return image_.isNull() ? QSize(1024, 768) : image_.size(); }

void RemoteView::mark_dirty() {
    if (dirty_.exchange(true)) return;  // a repaint is already on its way
    QMetaObject::invokeMethod(
        this, [this] { QTimer::singleShot(16, this, &RemoteView::refresh); }, Qt::QueuedConnection);
}

void RemoteView::refresh() {
    dirty_ = false;
    if (client_ != nullptr) set_picture(client_->framebuffer());
}

void RemoteView::set_picture(const Framebuffer& fb) {
    if (fb.width <= 0 || fb.height <= 0 || fb.pixels.size() != static_cast<std::size_t>(fb.width) * fb.height) return;
    if (image_.width() != fb.width || image_.height() != fb.height) {
        image_ = QImage(fb.width, fb.height, QImage::Format_RGB32);
        if (!fit_) setFixedSize(image_.size());
        updateGeometry();
    }
    for (int y = 0; y < fb.height; ++y) {
        std::memcpy(image_.scanLine(y), fb.pixels.data() + static_cast<std::size_t>(y) * fb.width,
                    static_cast<std::size_t>(fb.width) * 4);
    }
    update();
}

QRect RemoteView::target() const {
    if (image_.isNull()) return rect();
    if (!fit_) return QRect(QPoint(0, 0), image_.size());
    QSize scaled = image_.size().scaled(size(), Qt::KeepAspectRatio);
    return QRect(QPoint((width() - scaled.width()) / 2, (height() - scaled.height()) / 2), scaled);
}

void RemoteView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), QColor(0x30, 0x30, 0x30));
    if (image_.isNull()) {
        painter.setPen(QColor(0xe0, 0xe0, 0xe0));
        QFont font = painter.font();
        font.setPointSizeF(font.pointSizeF() * 1.5);
        painter.setFont(font);
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    painter.setRenderHint(QPainter::SmoothPixmapTransform, fit_);
    painter.drawImage(target(), image_);
}

QPoint RemoteView::remote_point(const QPointF& local) const {
    const QRect t = target();
    if (t.width() <= 0 || t.height() <= 0 || image_.isNull()) return {};
    const int x = static_cast<int>((local.x() - t.x()) * image_.width() / t.width());
    const int y = static_cast<int>((local.y() - t.y()) * image_.height() / t.height());
    return {std::clamp(x, 0, image_.width() - 1), std::clamp(y, 0, image_.height() - 1)};
}

void RemoteView::send_pointer(const QPointF& local, int buttons) {
    if (client_ == nullptr || !input_enabled_ || image_.isNull()) return;
    const QPoint p = remote_point(local);
    (void)client_->send_pointer(p.x(), p.y(), buttons);
}

void RemoteView::mousePressEvent(QMouseEvent* event) {
    setFocus();
    buttons_ = models::rfb_buttons(event->buttons());
    send_pointer(event->position(), buttons_);
}

void RemoteView::mouseReleaseEvent(QMouseEvent* event) {
    buttons_ = models::rfb_buttons(event->buttons());
    send_pointer(event->position(), buttons_);
}

void RemoteView::mouseMoveEvent(QMouseEvent* event) { send_pointer(event->position(), buttons_); }

void RemoteView::wheelEvent(QWheelEvent* event) {
    // RFB has no wheel, only buttons 4 and 5 (up, down), pressed and released once per notch.
    const int notch = event->angleDelta().y() > 0 ? 8 : 16;
    send_pointer(event->position(), buttons_ | notch);
    send_pointer(event->position(), buttons_);
}

void RemoteView::send_key(QKeyEvent* event, bool down) {
    // The remote X server repeats a held key by itself: our auto-repeat would double it.
    if (client_ == nullptr || !input_enabled_ || event->isAutoRepeat()) return;
    const quint32 code = event->nativeScanCode() != 0 ? event->nativeScanCode() : static_cast<quint32>(event->key());
    std::optional<std::uint32_t> keysym;
    if (down) {
        keysym = models::keysym_for_key(event->key(), event->text());
        if (keysym) pressed_[code] = *keysym;
    } else if (auto it = pressed_.find(code); it != pressed_.end()) {
        keysym = it->second;  // the release names what the press sent, whatever the modifiers are now
        pressed_.erase(it);
    }
    if (keysym) (void)client_->send_key(*keysym, down);
}

void RemoteView::keyPressEvent(QKeyEvent* event) { send_key(event, true); }

void RemoteView::keyReleaseEvent(QKeyEvent* event) { send_key(event, false); }

bool RemoteView::focusNextPrevChild(bool) { return false; }

void RemoteView::focusOutEvent(QFocusEvent* event) {
    // Keys held when the view loses focus would stay down on the remote machine: let them go.
    if (client_ != nullptr && input_enabled_) {
        for (const auto& [code, keysym] : pressed_)
            (void)client_->send_key(keysym, false);
    }
    pressed_.clear();
    QWidget::focusOutEvent(event);
}

}  // namespace lifeline::viewer::ui
