// The loop: epoll, a run queue of ready fibers, a timer map, and an eventfd
// for posts from other threads. Fibers switch (io/context) on stacks of
// their own (mmap'd with a guard page, a few kept for reuse).
#include "megarouter/io/loop.hpp"

#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <malloc.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/fiber_switch.hpp"
#include "io/loop_impl.hpp"
#include "megarouter/core/clock.hpp"
#include "megarouter/io/worker_pool.hpp"

namespace megarouter::io {

namespace {
constexpr std::size_t k_stack_bytes = 512 * 1024; // what the thread-per-connection workers had
constexpr std::size_t k_guard_bytes = 4096;
constexpr std::size_t k_kept_stacks = 64;          // reused; beyond that, unmapped
constexpr int k_idle_trim_ms = 1000;
thread_local Loop* t_loop = nullptr;

int timeout_ms_until(std::int64_t deadline_us) {
    std::int64_t left = deadline_us - core::monotonic_us();
    if (left <= 0) return 0;
    return static_cast<int>(std::min<std::int64_t>((left + 999) / 1000, 60'000));
}
} // namespace

// ---- fibers ----

void* Loop::Impl::take_stack() {
    if (!free_stacks.empty()) {
        void* stack = free_stacks.back();
        free_stacks.pop_back();
        return stack;
    }
    void* base = ::mmap(nullptr, k_stack_bytes + k_guard_bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) return nullptr;
    ::mprotect(base, k_guard_bytes, PROT_NONE); // the stack grows down into the guard page
    return base;
}

void Loop::Impl::give_stack(void* base) {
    if (free_stacks.size() < k_kept_stacks) {
        free_stacks.push_back(base);
        return;
    }
    ::munmap(base, k_stack_bytes + k_guard_bytes);
}

// After a burst (a second with nothing to do once fibers have ended), hand
// freed heap and the pages of kept stacks back to the system, so an idle
// gateway returns near its starting footprint.
void Loop::Impl::release_memory() {
    trim_pending = false;
    for (void* base : free_stacks) ::madvise(static_cast<char*>(base) + k_guard_bytes, k_stack_bytes, MADV_DONTNEED);
    ::malloc_trim(0);
}

void Loop::Impl::trampoline() {
    Loop::Impl& impl = t_loop->impl();
    Fiber* self = impl.running;
    fiber_entered(impl.main_switch);
    // The code a fiber runs reports errors as values; an exception that gets
    // here is a bug, so it is said, not swallowed (the loop itself goes on).
    try {
        self->body();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "megarouter: a fiber ended with an exception: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "megarouter: a fiber ended with an exception that is not a std::exception\n");
    }
    self->body = nullptr;
    self->done = true;
    fiber_leave_forever(impl.main_switch);
    Context finished;
    switch_context(finished, impl.main_context); // never comes back: resume() frees this stack
}

void Loop::Impl::resume(Fiber* fiber) {
    running = fiber;
    fiber->queued = false;
    enter_fiber(main_switch, fiber->stack_base + k_guard_bytes, k_stack_bytes);
    switch_context(main_context, fiber->context);
    returned_to_main(main_switch);
    running = nullptr;
    if (fiber->done) {
        if (fiber->timer) timers.erase(*fiber->timer);
        give_stack(fiber->stack_base);
        delete fiber;
        --live;
        trim_pending = true;
    }
}

Ready Loop::Impl::park(std::int64_t deadline_us) {
    Fiber* self = running;
    ++self->generation;
    self->timed_out = false;
    self->deadline = deadline_us;
    if (deadline_us > 0 && (!self->timer || (*self->timer)->first > deadline_us)) {
        if (self->timer) timers.erase(*self->timer);
        self->timer = timers.emplace(deadline_us, self);
    }
    fiber_park(self->switch_state, main_switch);
    switch_context(self->context, main_context);
    fiber_resumed(self->switch_state, main_switch);
    return self->timed_out ? Ready::timeout : Ready::yes;
}

void Loop::Impl::wake(Fiber* fiber, std::uint64_t generation, bool timed_out) {
    if (!fiber || fiber->generation != generation || fiber->queued) return;
    ++fiber->generation; // later wakes for the same park are stale
    fiber->deadline = 0;     // its timer entry, if any, stays (see Fiber::timer)
    fiber->timed_out = timed_out;
    fiber->queued = true;
    ready.push_back(fiber);
}

// ---- the loop ----

Loop::Loop() : m_impl(std::make_unique<Impl>()) {}

Result<std::unique_ptr<Loop>> Loop::create() {
    std::unique_ptr<Loop> loop(new Loop());
    Impl& impl = *loop->m_impl;
    impl.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    impl.event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (impl.epoll_fd < 0 || impl.event_fd < 0) return fail(ErrorCode::io, "cannot create the event loop (epoll/eventfd)");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &impl.post_source;
    ::epoll_ctl(impl.epoll_fd, EPOLL_CTL_ADD, impl.event_fd, &event);
    t_loop = loop.get();
    return loop;
}

Loop::~Loop() {
    for (auto& task : m_impl->exit_tasks) task();
    for (void* stack : m_impl->free_stacks) ::munmap(stack, k_stack_bytes + k_guard_bytes);
    if (m_impl->epoll_fd >= 0) ::close(m_impl->epoll_fd);
    if (m_impl->event_fd >= 0) ::close(m_impl->event_fd);
    if (t_loop == this) t_loop = nullptr;
}

Loop* Loop::current() { return t_loop; }

void Loop::at_exit(std::function<void()> task) { m_impl->exit_tasks.push_back(std::move(task)); }

std::size_t Loop::fibers() const { return m_impl->live; }

bool Loop::spawn(std::function<void()> body) {
    Impl& impl = *m_impl;
    void* stack = impl.take_stack();
    if (!stack) return false; // out of address space
    auto* fiber = new Fiber();
    fiber->body = std::move(body);
    fiber->stack_base = static_cast<char*>(stack);
    make_context(fiber->context, fiber->stack_base + k_guard_bytes, k_stack_bytes, &Impl::trampoline);
    ++impl.live;
    fiber->queued = true;
    impl.ready.push_back(fiber);
    return true;
}

void Loop::post(std::function<void()> task) {
    // The wake-up is written under the lock: once the task may run, this
    // thread no longer touches the loop (run_blocking's task may end the
    // fiber, and with it the loop's last reason to live).
    std::lock_guard lock(m_impl->post_mutex);
    m_impl->posted.push_back(std::move(task));
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(m_impl->event_fd, &one, sizeof one);
}

void Loop::Impl::run_posted() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(event_fd, &count, sizeof count);
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(post_mutex);
        tasks.swap(posted);
    }
    for (auto& task : tasks) task();
}

void Loop::run(const std::function<bool()>& until) {
    Impl& impl = *m_impl;
    epoll_event events[256];
    for (;;) {
        // One turn: the fibers ready now; those made ready meanwhile wait for the next turn.
        for (std::size_t n = impl.ready.size(); n > 0 && !impl.ready.empty(); --n) {
            Fiber* fiber = impl.ready.front();
            impl.ready.pop_front();
            impl.resume(fiber);
        }
        if (impl.ready.empty() && until()) break;
        int timeout = -1;
        if (!impl.ready.empty()) timeout = 0;
        else if (!impl.timers.empty()) timeout = timeout_ms_until(impl.timers.begin()->first);
        bool may_trim = impl.trim_pending && (timeout < 0 || timeout > k_idle_trim_ms);
        if (may_trim) timeout = k_idle_trim_ms;
        int count = ::epoll_wait(impl.epoll_fd, events, 256, timeout);
        if (count == 0 && may_trim) impl.release_memory();
        bool posted = false;
        for (int i = 0; i < count; ++i) {
            auto* source = static_cast<Source*>(events[i].data.ptr);
            if (source == &impl.post_source) posted = true;
            else source->on_events(events[i].events);
        }
        std::int64_t now = core::monotonic_us();
        while (!impl.timers.empty() && impl.timers.begin()->first <= now) {
            Fiber* fiber = impl.timers.begin()->second;
            impl.timers.erase(impl.timers.begin());
            fiber->timer.reset();
            if (fiber->deadline <= 0 || fiber->queued) continue; // not parked with a deadline now
            if (fiber->deadline <= now) impl.wake(fiber, fiber->generation, true);
            else fiber->timer = impl.timers.emplace(fiber->deadline, fiber);
        }
        if (posted) impl.run_posted();
    }
}

bool in_fiber() { return t_loop != nullptr && t_loop->impl().running != nullptr; }

// ---- Watch: an edge-triggered registration ----

void Watch::State::on_events(std::uint32_t events) {
    Loop::Impl& impl = loop->impl();
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        readable = true;
        impl.wake(reader, reader_generation, false);
    }
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
        writable = true;
        impl.wake(writer, writer_generation, false);
    }
}

Watch::Watch(int fd) : m_fd(fd), m_state(std::make_unique<State>()) {
    if (!in_fiber()) return;
    m_state->loop = t_loop;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = m_state.get();
    if (::epoll_ctl(t_loop->impl().epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0) m_state->registered = true;
}

Watch::~Watch() {
    if (m_state->registered) ::epoll_ctl(m_state->loop->impl().epoll_fd, EPOLL_CTL_DEL, m_fd, nullptr);
}

Ready Watch::wait(std::uint32_t events, std::int64_t deadline_us) {
    State& state = *m_state;
    if (!state.registered || !in_fiber()) {
        pollfd p{m_fd, static_cast<short>(((events & EPOLLIN) ? POLLIN : 0) | ((events & EPOLLOUT) ? POLLOUT : 0)), 0};
        int timeout = deadline_us > 0 ? timeout_ms_until(deadline_us) : -1;
        return ::poll(&p, 1, timeout) > 0 ? Ready::yes : Ready::timeout;
    }
    Loop::Impl& impl = state.loop->impl();
    Fiber* self = impl.running;
    // The caller saw EAGAIN: whatever readiness was recorded before is used up.
    if (events & EPOLLIN) {
        state.readable = false;
        state.reader = self;
        state.reader_generation = self->generation + 1;
    }
    if (events & EPOLLOUT) {
        state.writable = false;
        state.writer = self;
        state.writer_generation = self->generation + 1;
    }
    Ready ready = impl.park(deadline_us);
    if (state.reader == self) state.reader = nullptr;
    if (state.writer == self) state.writer = nullptr;
    return ready;
}

bool Watch::readable_seen() const { return !m_state->registered || m_state->readable; }

void Watch::forget_readable() { m_state->readable = false; }

void Watch::interrupt() {
    if (!m_state->registered) return;
    Loop::Impl& impl = m_state->loop->impl();
    impl.wake(m_state->reader, m_state->reader_generation, true);
    impl.wake(m_state->writer, m_state->writer_generation, true);
}

// ---- Interest: a level-triggered registration with a callback ----

void Interest::State::on_events(std::uint32_t events) { callback(events); }

Interest::Interest(int fd, std::uint32_t events, std::function<void(std::uint32_t)> on_ready)
    : m_fd(fd), m_state(std::make_unique<State>()) {
    m_state->callback = std::move(on_ready);
    if (!t_loop) return;
    m_state->loop = t_loop;
    epoll_event event{};
    event.events = events;
    event.data.ptr = m_state.get();
    m_state->registered = ::epoll_ctl(t_loop->impl().epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

Interest::~Interest() {
    if (m_state->registered) ::epoll_ctl(m_state->loop->impl().epoll_fd, EPOLL_CTL_DEL, m_fd, nullptr);
}

bool Interest::registered() const { return m_state->registered; }

void Interest::change(std::uint32_t events) {
    if (!m_state->registered) return;
    epoll_event event{};
    event.events = events;
    event.data.ptr = m_state.get();
    ::epoll_ctl(m_state->loop->impl().epoll_fd, EPOLL_CTL_MOD, m_fd, &event);
}

// ---- Event ----

Event::Event() : m_state(std::make_unique<State>()) {}
Event::~Event() = default;

Ready Event::wait(std::int64_t deadline_us) {
    if (!in_fiber()) {
        std::int64_t until = deadline_us > 0 ? deadline_us : core::monotonic_us() + 1000;
        sleep_until(until);
        return Ready::timeout;
    }
    Loop::Impl& impl = t_loop->impl();
    Fiber* self = impl.running;
    m_state->waiters.emplace_back(self, self->generation + 1);
    return impl.park(deadline_us);
}

void Event::notify_all() {
    if (!t_loop) return;
    Loop::Impl& impl = t_loop->impl();
    auto waiters = std::move(m_state->waiters);
    m_state->waiters.clear();
    for (auto [fiber, generation] : waiters) impl.wake(fiber, generation, false);
}

// ---- sleeping and blocking work ----

void sleep_until(std::int64_t deadline_us) {
    if (in_fiber()) {
        while (core::monotonic_us() < deadline_us) t_loop->impl().park(deadline_us);
        return;
    }
    std::int64_t left = deadline_us - core::monotonic_us();
    if (left > 0) std::this_thread::sleep_for(std::chrono::microseconds(left));
}

bool run_blocking(const std::function<void()>& work) {
    // Never destroyed: its workers may still be waiting when the process exits.
    static WorkerPool* pool = new WorkerPool(4, 256);
    return pool->run(work);
}

} // namespace megarouter::io
