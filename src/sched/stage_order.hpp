#pragma once
// Orders stages so that every stage comes after the stages it depends on.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>

#include <memory>
#include <vector>

namespace gg::sched::detail {

/// A start order for `stages`: dependencies first, otherwise the order given. Errors (config)
/// name a repeated stage, an unknown dependency, or the stages of a cycle ("a -> b -> a").
gg::result<std::vector<std::shared_ptr<gg::stage>>> order_stages(
    const std::vector<std::shared_ptr<gg::stage>>& stages);

}  // namespace gg::sched::detail
