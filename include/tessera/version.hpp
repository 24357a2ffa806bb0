// The Tessera version, printed by `tessera --version` and stored in every output file.
#pragma once

namespace tessera {
inline constexpr const char* kVersion = "0.1.0";
}
