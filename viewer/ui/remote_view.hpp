// The remote screen: paints the RFB client's framebuffer (fitted to the widget or 1:1) and, in a
// control session, sends the pointer and keys while it has focus. Updates are coalesced to one
// copy of the framebuffer per repaint (at most ~60 per second), however fast they arrive.
#pragma once

#include "viewer/core/rfb_client.hpp"

#include <QImage>
#include <QWidget>

#include <atomic>
#include <unordered_map>

namespace lifeline::viewer::ui {

class RemoteView : public QWidget {
    Q_OBJECT
public:
    explicit RemoteView(QWidget* parent = nullptr);

    // The client to draw and to send input to; nullptr detaches (the session ended).
    void attach(RfbClient* client);
    void set_fit(bool fit);
    void set_input_enabled(bool enabled) { input_enabled_ = enabled; }
    // Said in the middle while there is no picture (waiting for consent, after the end).
    void set_placeholder(const QString& text);
    // Any thread: the framebuffer changed, repaint soon.
    void mark_dirty();
    // Shows a picture that comes from elsewhere (a recording's playback) while no client is attached.
    void set_picture(const Framebuffer& picture);
    const QImage& image() const { return image_; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    bool focusNextPrevChild(bool next) override;  // Tab belongs to the remote machine
    void focusOutEvent(QFocusEvent* event) override;

private:
    void refresh();
    QRect target() const;
    QPoint remote_point(const QPointF& local) const;
    void send_pointer(const QPointF& local, int buttons);
    void send_key(QKeyEvent* event, bool down);

    RfbClient* client_ = nullptr;
    QImage image_;
    QString placeholder_;
    bool fit_ = true;
    bool input_enabled_ = false;
    int buttons_ = 0;
    std::atomic<bool> dirty_{false};
    std::unordered_map<quint32, std::uint32_t> pressed_;  // native scan code -> keysym sent on press
};

}  // namespace lifeline::viewer::ui
