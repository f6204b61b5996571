// Internal to routing: a small case-insensitive set of names (providers,
// vendors, models) with a lookup of a few nanoseconds, because the router asks
// it once per offering of the catalog on every request.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace megarouter::routing {

class NameSet {
public:
    NameSet() = default;
    // Names are lowercased; duplicates are harmless.
    template <typename Range>
    explicit NameSet(const Range& names) {
        for (const auto& name : names) insert(name);
    }

    void insert(std::string_view name) {
        std::string lower(name);
        for (char& c : lower)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (contains(lower)) return;
        m_names.push_back(std::move(lower));
        m_keys.push_back(key_of(m_names.back()));
        if (m_names.size() < k_slots / 2) place(m_names.size() - 1);
    }

    bool empty() const { return m_names.empty(); }
    std::size_t size() const { return m_names.size(); }
    const std::vector<std::string>& names() const { return m_names; }

    // `name` must already be lowercase (catalog names are).
    bool contains(std::string_view name) const { return !m_names.empty() && find(name); }

private:
    static constexpr std::size_t k_slots = 256, k_mask = k_slots - 1;

    // A name packed into two words: for up to 16 characters, equal keys mean
    // equal names (the loads overlap to cover every character); longer names
    // also need a full compare.
    struct Key {
        std::uint64_t low = 0, high = 0;
        std::size_t size = 0;
        bool operator==(const Key&) const = default;
    };

    static Key key_of(std::string_view name) {
        Key key;
        std::size_t n = name.size();
        const char* p = name.data();
        key.size = n;
        if (n >= 8) {
            std::memcpy(&key.low, p, 8);
            std::memcpy(&key.high, p + n - 8, 8);
        } else if (n >= 4) {
            std::uint32_t low = 0, high = 0;
            std::memcpy(&low, p, 4);
            std::memcpy(&high, p + n - 4, 4);
            key.low = low;
            key.high = high;
        } else if (n > 0) {
            auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
            key.low = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
        }
        return key;
    }

    bool find(std::string_view name) const {
        if (m_names.size() >= k_slots / 2) { // large lists: plain scan
            for (const std::string& known : m_names)
                if (known == name) return true;
            return false;
        }
        Key key = key_of(name);
        for (std::size_t slot = hash(name);; slot = (slot + 1) & k_mask) {
            std::uint16_t entry = m_slots[slot];
            if (entry == 0) return false;
            if (m_keys[entry - 1] == key && (key.size <= 16 || m_names[entry - 1] == name)) return true;
        }
    }

    static std::size_t hash(std::string_view name) {
        if (name.empty()) return 0;
        auto first = static_cast<unsigned char>(name.front());
        auto last = static_cast<unsigned char>(name.back());
        auto mid = static_cast<unsigned char>(name[name.size() / 2]);
        return (name.size() * 131 + first * 31 + mid * 7 + last) & k_mask;
    }

    // Past half full, contains() scans the list instead of probing.
    void place(std::size_t index) {
        std::size_t slot = hash(m_names[index]);
        while (m_slots[slot] != 0) slot = (slot + 1) & k_mask;
        m_slots[slot] = static_cast<std::uint16_t>(index + 1);
    }

    std::vector<std::string> m_names;
    std::vector<Key> m_keys; // key_of(m_names[i])
    std::array<std::uint16_t, k_slots> m_slots{};
};

} // namespace megarouter::routing
