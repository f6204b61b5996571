// TEMPORARY until governance::Gate is implemented: the gate seam lets
// everything through. Replaced by governance_gate.cpp.
#include "proxy/governance_seam.hpp"

namespace megarouter::proxy {

Result<std::unique_ptr<Governance>> open_gate_governance(const core::Config&, const core::EnvLookup&) {
    return open_open_governance();
}

} // namespace megarouter::proxy
