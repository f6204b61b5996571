// The loop's insides, shared by loop.cpp's parts (fibers, watches, events).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "io/context.hpp"
#include "io/fiber_switch.hpp"
#include "megarouter/io/loop.hpp"

namespace megarouter::io {

// Something registered with epoll; data.ptr points at it.
struct Source {
    virtual ~Source() = default;
    virtual void on_events(std::uint32_t events) = 0;
};

struct PostSource final : Source {
    void on_events(std::uint32_t) override {}
};

struct Fiber {
    Context context;
    char* stack_base = nullptr;
    std::function<void()> body;
    bool done = false;
    bool queued = false;
    bool timed_out = false;
    // Bumped at every park and every wake: a waker holding an older value is stale.
    std::uint64_t generation = 0;
    // Timers are lazy: a wake leaves the fiber's entry in the map, and a
    // later park whose deadline is no earlier keeps it. When an entry comes
    // due, the fiber is woken only if it is parked with a deadline that has
    // passed; parked with a later one, the entry moves there; otherwise it is
    // dropped. So a fiber parking once per chunk with a far deadline touches
    // the map about once per deadline, not twice per park.
    std::optional<std::multimap<std::int64_t, Fiber*>::iterator> timer;
    std::int64_t deadline = 0; // of the current park; 0 when not parked or none
    FiberSwitch switch_state;
};

struct Loop::Impl {
    int epoll_fd = -1;
    int event_fd = -1;
    PostSource post_source;
    Context main_context;
    MainSwitch main_switch;
    Fiber* running = nullptr;
    std::deque<Fiber*> ready;
    std::multimap<std::int64_t, Fiber*> timers;
    std::mutex post_mutex;
    std::vector<std::function<void()>> posted;
    std::vector<void*> free_stacks;
    std::size_t live = 0;
    bool trim_pending = false; // fibers ended since memory was last handed back
    std::vector<std::function<void()>> exit_tasks;

    void* take_stack();
    void give_stack(void* base);
    static void trampoline();
    void resume(Fiber* fiber);
    Ready park(std::int64_t deadline_us);                      // the running fiber waits
    void wake(Fiber* fiber, std::uint64_t generation, bool timed_out);
    void run_posted();
    void release_memory();
};

struct Watch::State final : Source {
    Loop* loop = nullptr;
    bool registered = false;
    bool readable = false;
    bool writable = false;
    Fiber* reader = nullptr;
    std::uint64_t reader_generation = 0;
    Fiber* writer = nullptr;
    std::uint64_t writer_generation = 0;
    void on_events(std::uint32_t events) override;
};

struct Interest::State final : Source {
    Loop* loop = nullptr;
    bool registered = false;
    std::function<void(std::uint32_t)> callback;
    void on_events(std::uint32_t events) override;
};

struct Event::State {
    std::vector<std::pair<Fiber*, std::uint64_t>> waiters;
};

} // namespace megarouter::io
