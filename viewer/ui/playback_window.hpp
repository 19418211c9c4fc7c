// A session's recording played back for a helpdesk lead: the screen as the technician saw it, a
// timeline with the session's moments marked (consent, control, clipboard, chat, the end), play and
// pause, speed, and seeking by dragging or by picking a moment. The recording is streamed once into a
// temporary folder on a thread and connection of its own, with its progress shown; decoding runs on a
// thread of its own through the live viewer's RFB decoder, and resumes at keyframes it takes on the way,
// so seeking in an hour-long recording decodes seconds of it rather than everything before.
#pragma once

#include "viewer/models/lead_models.hpp"
#include "viewer/ui/relay_client.hpp"

#include <QSlider>
#include <QTemporaryDir>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace lifeline::viewer {
class PlaybackSnapshots;
}

namespace lifeline::viewer::ui {

class RemoteView;

// A slider that also draws the marks of a recording's timeline.
class TimelineSlider : public QSlider {
    Q_OBJECT
public:
    explicit TimelineSlider(QWidget* parent = nullptr);
    void set_marks(std::vector<int> positions);

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<int> marks_;
};

class PlaybackWindow : public QWidget {
    Q_OBJECT
public:
    PlaybackWindow(RelayClient& client, v1::Session session, QWidget* parent = nullptr);
    ~PlaybackWindow() override;  // stops the decoder first

    // Shows the picture at `ms`; a playing recording goes on playing from there.
    void seek(std::uint32_t ms);
    void play();
    void pause();

    bool ready() const { return loaded_; }
    bool playing() const { return playing_; }
    // The picture shown is the recording at this offset.
    std::uint32_t position_ms() const { return position_ms_; }
    std::uint32_t duration_ms() const { return duration_ms_; }
    const std::vector<models::PlaybackMark>& marks() const { return marks_; }
    RemoteView* remote_view() const { return view_; }
    QListWidget* events() const { return events_; }
    QLabel* status_label() const { return status_; }
    QProgressBar* download_bar() const { return download_bar_; }
    const PlaybackSnapshots* keyframes() const { return snapshots_.get(); }  // once ready()

signals:
    void loaded();
    // A seek or a play reached its picture (or failed: see status_label()).
    void settled();

private:
    struct Recording {
        std::string path;
        std::int64_t started_unix_ms = 0;
        std::uint32_t duration_ms = 0;
        v1::AuditPage events;
    };
    void load();
    void download(RelayEndpoint relay, std::string token);
    void show_download(std::uint64_t received, std::uint64_t total);
    void on_loaded(Recording recording);
    void run_decoder(std::uint32_t from, bool paced);
    void stop_decoder();
    void show_position(std::uint32_t ms);
    void show_error(const QString& message);
    double speed() const;

    RelayClient& client_;
    v1::Session session_;
    QTemporaryDir folder_;
    std::string path_;
    std::uint32_t duration_ms_ = 0;
    std::uint32_t position_ms_ = 0;
    bool loaded_ = false;
    bool playing_ = false;
    int generation_ = 0;  // pictures from a decoder that was replaced are dropped
    std::vector<models::PlaybackMark> marks_;
    std::shared_ptr<PlaybackSnapshots> snapshots_;  // this recording's keyframes, shared by every decoder run
    std::jthread download_;                         // declared after what its thread touches
    std::jthread decoder_;

    RemoteView* view_;
    TimelineSlider* timeline_;
    QLabel* clock_;
    QLabel* status_;
    QProgressBar* download_bar_;
    QPushButton* play_;
    QComboBox* speed_;
    QListWidget* events_;
};

}  // namespace lifeline::viewer::ui
