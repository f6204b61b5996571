// Background threads whose work may wait (webhook delivery, span export, the
// prompt log) run at a lower CPU priority than the event loops, so on a busy
// core a loop answers its next request first. Not the ledger writer: at
// saturation it needs its fair share of the core to keep up (it yields
// between statements instead; see ledger_writer.cpp).
#pragma once

namespace megarouter::core {

// Lowers the calling thread's scheduling priority (nice +10 for this thread
// only, on Linux). Best effort: does nothing where not permitted.
void lower_thread_priority();

// Asks the scheduler for short time slices for the calling thread (an event
// loop): under Linux's EEVDF scheduler (6.6 and later) a thread with a
// shorter slice gets an earlier deadline, so when it wakes with a request it
// preempts a busy thread on its core (the ledger writer) sooner. Best
// effort: does nothing on kernels without custom slices.
void prefer_short_slices();

} // namespace megarouter::core
