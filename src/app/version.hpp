#pragma once
#include <string_view>

namespace astropixel::app {

std::string_view version();
std::string_view commit();

}  // namespace astropixel::app
