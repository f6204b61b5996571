#include "megarouter/http/chunked_decoder.hpp"

#include <charconv>

namespace megarouter::http {

namespace {
constexpr std::size_t k_max_size_line = 1024;     // a chunk-size line (with extensions) longer than this is malformed
constexpr std::size_t k_max_line = 8 * 1024;      // a trailer field longer than this is malformed
constexpr std::size_t k_max_trailers = 64 * 1024; // all trailer fields together
}

ChunkedDecoder::Fed ChunkedDecoder::feed(std::string_view in, const std::function<bool(std::string_view)>& body) {
    std::size_t pos = 0;
    for (;;) {
        switch (m_state) {
        case State::size: {
            auto end = in.find("\r\n", pos);
            if (end == std::string_view::npos)
                return {in.size() - pos > k_max_size_line ? Status::bad : Status::more, pos};
            if (end - pos > k_max_size_line) return {Status::bad, pos};
            std::string_view line = in.substr(pos, end - pos);
            line = line.substr(0, line.find(';')); // chunk extensions are ignored
            while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
            std::uint64_t size = 0;
            auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
            if (line.empty() || ec != std::errc() || ptr != line.data() + line.size()) return {Status::bad, pos};
            if (size > m_max_body - m_total) return {Status::too_large, pos};
            m_total += size;
            pos = end + 2;
            m_left = size;
            m_state = size == 0 ? State::trailer : State::data;
            break;
        }
        case State::data: {
            std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(m_left, in.size() - pos));
            if (take == 0) return {Status::more, pos};
            if (!body(in.substr(pos, take))) return {Status::stopped, pos + take};
            pos += take;
            m_left -= take;
            if (m_left == 0) m_state = State::data_end;
            break;
        }
        case State::data_end:
            if (in.size() - pos < 2) return {Status::more, pos};
            if (in.substr(pos, 2) != "\r\n") return {Status::bad, pos};
            pos += 2;
            m_state = State::size;
            break;
        case State::trailer: {
            auto end = in.find("\r\n", pos);
            if (end == std::string_view::npos)
                return {in.size() - pos > k_max_line ? Status::bad : Status::more, pos};
            bool blank = end == pos;
            m_trailer_bytes += end + 2 - pos;
            if (m_trailer_bytes > k_max_trailers) return {Status::bad, pos};
            pos = end + 2;
            if (blank) m_state = State::done;
            break;
        }
        case State::done:
            return {Status::done, pos};
        }
    }
}

} // namespace megarouter::http
