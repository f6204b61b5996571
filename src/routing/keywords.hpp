// Internal to routing: the keyword and script scan behind the analyser. It
// reads one text once and reports the task signals it found (code, maths,
// reasoning, planning, simple tasks) and the dominant language.
#pragma once

#include <string_view>
#include <vector>

#include "megarouter/routing/analyser.hpp"

namespace megarouter::routing {

struct KeywordHit {
    Signal signal;
    double points;
    std::string_view detail;
};

struct TextScan {
    std::string_view language = "en";
    std::vector<KeywordHit> hits; // each rule at most once
};

// Scans `text` (any case). Pure; one pass indexes where words start, then
// each keyword is compared only where a word starts with its first byte
// (capped at the first 24 KiB and the last 8 KiB for keywords).
TextScan scan_text(std::string_view text);

} // namespace megarouter::routing
