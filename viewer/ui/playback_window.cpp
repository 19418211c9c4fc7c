#include "viewer/ui/playback_window.hpp"

#include "shared/recording/reader.hpp"
#include "viewer/core/playback.hpp"
#include "viewer/core/playback_snapshots.hpp"
#include "viewer/ui/remote_view.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QVBoxLayout>

#include <google/protobuf/util/time_util.h>

#include <chrono>
#include <limits>
#include <memory>

namespace lifeline::viewer::ui {

namespace {

constexpr int kMaxAuditRows = 1000;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);  // at most this often to the UI thread
const double kSpeeds[] = {0.5, 1, 2, 4, 8};

QString q(const std::string& s) { return QString::fromStdString(s); }

QString mib(std::uint64_t bytes) { return QString::number(static_cast<double>(bytes) / (1 << 20), 'f', 1); }

}  // namespace

// ---------------------------------------------------------------- the timeline

TimelineSlider::TimelineSlider(QWidget* parent) : QSlider(Qt::Horizontal, parent) {}

void TimelineSlider::set_marks(std::vector<int> positions) {
    marks_ = std::move(positions);
    update();
}

void TimelineSlider::paintEvent(QPaintEvent* event) {
    QSlider::paintEvent(event);
    if (marks_.empty() || maximum() <= minimum()) return;
    QStyleOptionSlider option;
    initStyleOption(&option);
    const QRect handle = style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, this);
    const int span = width() - handle.width();
    QPainter painter(this);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0xd9, 0x5d, 0x00));
    for (int mark : marks_) {
        const int x =
            handle.width() / 2 + QStyle::sliderPositionFromValue(minimum(), maximum(), mark, span, option.upsideDown);
        painter.drawRect(x - 1, 0, 3, 5);
        painter.drawRect(x - 1, height() - 5, 3, 5);
    }
}

// ---------------------------------------------------------------- the window

PlaybackWindow::PlaybackWindow(RelayClient& client, v1::Session session, QWidget* parent)
    : QWidget(parent), client_(client), session_(std::move(session)) {
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(
        tr("Recording of %1 — %2 — %3")
            .arg(q(session_.id()), q(session_.ticket_number()),
                 q(session_.technician_name().empty() ? session_.technician() : session_.technician_name())));

    view_ = new RemoteView;
    view_->set_placeholder(tr("Downloading the recording…"));
    play_ = new QPushButton(tr("&Play"));
    play_->setEnabled(false);
    timeline_ = new TimelineSlider;
    timeline_->setEnabled(false);
    timeline_->setObjectName("playback-timeline");
    clock_ = new QLabel("00:00 / 00:00");
    speed_ = new QComboBox;
    for (double s : kSpeeds)
        speed_->addItem(s < 1 ? tr("½×") : tr("%1×").arg(s));
    speed_->setCurrentIndex(1);
    status_ = new QLabel;
    status_->setTextFormat(Qt::PlainText);
    status_->setObjectName("playback-status");
    download_bar_ = new QProgressBar;
    download_bar_->setObjectName("playback-download");
    download_bar_->setRange(0, 0);  // busy until the relay says how large the recording is
    download_bar_->setFormat(tr("Downloading the recording…"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(play_);
    controls->addWidget(timeline_, 1);
    controls->addWidget(clock_);
    controls->addWidget(new QLabel(tr("Speed:")));
    controls->addWidget(speed_);

    auto* left = new QWidget;
    auto* left_layout = new QVBoxLayout(left);
    left_layout->setContentsMargins(0, 0, 0, 0);
    left_layout->addWidget(view_, 1);
    left_layout->addLayout(controls);
    left_layout->addWidget(download_bar_);
    left_layout->addWidget(status_);

    events_ = new QListWidget;
    events_->setObjectName("playback-events");
    events_->setToolTip(tr("Pick a moment to jump to it"));
    auto* right = new QWidget;
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addWidget(new QLabel(tr("What happened")));
    right_layout->addWidget(events_, 1);

    auto* splitter = new QSplitter;
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    events_->setMinimumWidth(260);
    splitter->setSizes({900, 300});
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(play_, &QPushButton::clicked, this, [this] { playing_ ? pause() : play(); });
    connect(timeline_, &QSlider::sliderReleased, this,
            [this] { seek(static_cast<std::uint32_t>(std::max(0, timeline_->value()))); });
    connect(timeline_, &QSlider::sliderMoved, this, [this](int value) {
        clock_->setText(models::clock_text(value) + " / " + models::clock_text(duration_ms_));
    });
    connect(speed_, &QComboBox::currentIndexChanged, this, [this] {
        if (playing_) run_decoder(position_ms_, true);
    });
    connect(events_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { seek(item->data(Qt::UserRole).toUInt()); });
    connect(events_, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { seek(item->data(Qt::UserRole).toUInt()); });
    resize(1200, 760);
    load();
}

PlaybackWindow::~PlaybackWindow() {
    // First, while this object can still take the download's queued progress: it is interrupted at once.
    if (download_.joinable()) {
        download_.request_stop();
        download_.join();
    }
    stop_decoder();
}

double PlaybackWindow::speed() const {
    const int index = std::clamp(speed_->currentIndex(), 0, static_cast<int>(std::size(kSpeeds)) - 1);
    return kSpeeds[index];
}

// The download gets a connection and thread of its own: on the shared relay worker a large recording would hold up
// every other call (the queue, tickets) for as long as it takes. The worker only hands over where and who.
void PlaybackWindow::load() {
    if (!folder_.isValid()) return show_error(tr("Cannot create a temporary folder for the recording."));
    struct Access {
        RelayEndpoint relay;
        std::string token;
    };
    client_.call<Access>(
        this,
        [](RelayApi& api) -> core::Result<Access> {
            return Access{api.relay(), api.token()};
        },
        [this](core::Result<Access> access) {
            if (!access) {
                view_->set_placeholder(tr("No picture"));
                download_bar_->hide();
                return show_error(tr("Could not open the recording: %1").arg(q(access.error().message)));
            }
            download(std::move(access->relay), std::move(access->token));
        });
}

namespace {

// On the download's thread, once the file is there: the timeline's length, from its chunks' offsets (nothing decoded).
core::Result<std::uint32_t> recording_duration(const std::string& path, std::int64_t ended_unix_ms,
                                               std::int64_t& started_unix_ms) {
    auto reader = recording::RecordingReader::open(path);
    if (!reader) return reader.error();
    started_unix_ms = reader->header().started_unix_ms;
    std::uint32_t duration = 0;
    for (;;) {
        auto chunk = reader->next();
        if (!chunk) return chunk.error();
        if (!*chunk) break;
        duration = std::max(duration, (*chunk)->offset_ms);
    }
    // The timeline runs to the session's end, or to the last chunk if that is later (a still screen sends nothing
    // for a while).
    if (ended_unix_ms > started_unix_ms) {
        duration = std::max(duration, static_cast<std::uint32_t>(std::min<std::int64_t>(
                                          ended_unix_ms - started_unix_ms, std::numeric_limits<std::uint32_t>::max())));
    }
    return duration;
}

}  // namespace

void PlaybackWindow::download(RelayEndpoint relay, std::string token) {
    const std::string path = (folder_.path() + "/session.llrec").toStdString();
    const std::string id = session_.id();
    const std::int64_t ended_unix_ms =
        session_.has_ended_at() ? google::protobuf::util::TimeUtil::TimestampToMilliseconds(session_.ended_at()) : 0;
    download_ = std::jthread(
        [this, relay = std::move(relay), token = std::move(token), path, id, ended_unix_ms](std::stop_token stop) {
            auto work = [&]() -> core::Result<Recording> {
                auto api = RelayApi::create(relay);
                if (!api) return api.error();
                api->use_token(token);
                // Closing the window mid-download must not wait for the relay's next piece.
                std::stop_callback interrupt_on_stop(stop, [&api] { api->interrupt(); });
                auto last = std::chrono::steady_clock::time_point();
                auto downloaded = api->download_recording(id, path, [&](std::uint64_t received, std::uint64_t total) {
                    const auto now = std::chrono::steady_clock::now();
                    if (now - last >= kProgressInterval || received == total) {
                        last = now;
                        QMetaObject::invokeMethod(
                            this, [this, received, total] { show_download(received, total); }, Qt::QueuedConnection);
                    }
                    return !stop.stop_requested();
                });
                if (!downloaded) return downloaded.error();
                Recording recording;
                recording.path = path;
                auto duration = recording_duration(path, ended_unix_ms, recording.started_unix_ms);
                if (!duration) return duration.error();
                recording.duration_ms = *duration;
                auto events = api->audit("session=" + id + "&limit=" + std::to_string(kMaxAuditRows));
                if (!events) return events.error();
                recording.events = std::move(*events);
                return recording;
            };
            auto result = std::make_shared<core::Result<Recording>>(work());
            if (stop.stop_requested()) return;
            QMetaObject::invokeMethod(
                this,
                [this, result] {
                    download_bar_->hide();
                    if (!*result) {
                        view_->set_placeholder(tr("No picture"));
                        return show_error(tr("Could not open the recording: %1").arg(q(result->error().message)));
                    }
                    on_loaded(std::move(**result));
                },
                Qt::QueuedConnection);
        });
}

void PlaybackWindow::show_download(std::uint64_t received, std::uint64_t total) {
    if (loaded_) return;
    if (total > 0) {
        view_->set_placeholder(tr("Downloading the recording… %1%").arg(received * 100 / total));
        // In KiB, so that a recording of several GiB still fits the bar's int.
        download_bar_->setRange(0, static_cast<int>(std::min<std::uint64_t>(total >> 10, INT32_MAX)));
        download_bar_->setValue(static_cast<int>(std::min<std::uint64_t>(received >> 10, INT32_MAX)));
        download_bar_->setFormat(tr("Downloading the recording: %1 of %2 MiB").arg(mib(received), mib(total)));
    } else {
        download_bar_->setFormat(tr("Downloading the recording: %1 MiB").arg(mib(received)));
    }
}

void PlaybackWindow::on_loaded(Recording recording) {
    path_ = recording.path;
    snapshots_ = std::make_shared<PlaybackSnapshots>();
    duration_ms_ = recording.duration_ms;
    marks_ = models::playback_marks(recording.events, recording.started_unix_ms, duration_ms_);
    std::vector<int> positions;
    for (const auto& mark : marks_) {
        auto* item = new QListWidgetItem(models::clock_text(mark.offset_ms) + "  " + mark.label, events_);
        item->setData(Qt::UserRole, mark.offset_ms);
        positions.push_back(static_cast<int>(mark.offset_ms));
    }
    timeline_->setRange(0, static_cast<int>(duration_ms_));
    timeline_->setPageStep(std::max(1000, static_cast<int>(duration_ms_ / 20)));
    timeline_->set_marks(std::move(positions));
    timeline_->setEnabled(true);
    play_->setEnabled(true);
    loaded_ = true;
    status_->setText(tr("%1 of recording, %2 moments marked").arg(models::clock_text(duration_ms_)).arg(marks_.size()));
    show_position(0);
    seek(0);  // the first picture
    emit loaded();
}

void PlaybackWindow::seek(std::uint32_t ms) {
    if (!loaded_) return;
    ms = std::min(ms, duration_ms_);
    show_position(ms);
    run_decoder(ms, playing_);
}

void PlaybackWindow::play() {
    if (!loaded_) return;
    if (position_ms_ >= duration_ms_) show_position(0);  // from the start again
    playing_ = true;
    play_->setText(tr("&Pause"));
    run_decoder(position_ms_, true);
}

void PlaybackWindow::pause() {
    playing_ = false;
    play_->setText(tr("&Play"));
    stop_decoder();
}

void PlaybackWindow::stop_decoder() {
    ++generation_;
    if (decoder_.joinable()) {
        decoder_.request_stop();
        decoder_.join();
    }
}

// Paced: plays from `from` at the chosen speed, showing pictures as they come. Not paced: decodes up to `from`
// as fast as possible and shows that one picture.
void PlaybackWindow::run_decoder(std::uint32_t from, bool paced) {
    stop_decoder();
    const int generation = generation_;
    PlaybackOptions options;
    options.snapshots = snapshots_;
    if (paced) {
        options.speed = speed();
        options.start_at_ms = from;
        options.on_picture = [this, generation](Framebuffer picture, std::uint32_t at) {
            auto shown = std::make_shared<Framebuffer>(std::move(picture));
            QMetaObject::invokeMethod(
                this,
                [this, generation, shown, at] {
                    if (generation != generation_) return;
                    view_->set_picture(*shown);
                    show_position(at);
                },
                Qt::QueuedConnection);
        };
    } else {
        options.stop_at_ms = from;
    }
    decoder_ = std::jthread([this, path = path_, options, generation, paced, from](std::stop_token stop) {
        auto result = std::make_shared<core::Result<PlaybackResult>>(play_recording(path, options, stop));
        if (stop.stop_requested()) return;
        QMetaObject::invokeMethod(
            this,
            [this, result, generation, paced, from] {
                if (generation != generation_) return;
                if (!*result) {
                    show_error(tr("Playback stopped: %1").arg(q(result->error().message)));
                } else {
                    view_->set_picture((*result)->framebuffer);
                    show_position(paced ? duration_ms_ : from);
                }
                if (paced) {
                    playing_ = false;
                    play_->setText(tr("&Play"));
                }
                emit settled();
            },
            Qt::QueuedConnection);
    });
}

void PlaybackWindow::show_position(std::uint32_t ms) {
    position_ms_ = ms;
    if (!timeline_->isSliderDown()) timeline_->setValue(static_cast<int>(ms));
    clock_->setText(models::clock_text(ms) + " / " + models::clock_text(duration_ms_));
}

void PlaybackWindow::show_error(const QString& message) {
    status_->setText(message);
    status_->setStyleSheet("color: #b00020");
    emit settled();
}

}  // namespace lifeline::viewer::ui
