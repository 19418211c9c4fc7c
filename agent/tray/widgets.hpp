// Small helpers the tray's windows share.
#pragma once

#include <QPushButton>

namespace lifeline::agent::tray {

// Fusion leaves about 4 px beside a button's text, and Persian script reaches the edges of its box: the
// tray's buttons get a little more room, in every language. Call again after changing the text.
inline void give_room(QPushButton* button) {
    button->setMinimumWidth(0);
    button->setMinimumWidth(button->sizeHint().width() + 2 * button->fontMetrics().averageCharWidth());
}

}  // namespace lifeline::agent::tray
