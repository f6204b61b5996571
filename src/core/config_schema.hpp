// The names a config file may use: its sections and, for the sections whose
// keys are fixed, their keys. A mistyped name is refused with file:line and
// a did-you-mean instead of being silently not applied.
#pragma once

#include "megarouter/core/config.hpp"

namespace megarouter::core {

// Checks every top-level name of `config.document` against the known
// sections, and the keys of [defaults], [server], [providers.NAME],
// [governance], [catalog] and [database]. [routing], [groups.NAME],
// [aliases], [[models]] and [prices] check their own keys where they are
// read. Fails with config: "FILE:LINE: unknown section [servr] (did you
// mean [server]?)" or "FILE:LINE: unknown key 'prot' in [server] (did you
// mean 'port'?)". Pure.
Result<void> check_config_names(const Config& config);

} // namespace megarouter::core
