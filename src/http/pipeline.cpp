#include "http/pipeline.hpp"

#include <fmt/format.h>

namespace astropixel::http {

asio::awaitable<Result<Response>> Next::operator()(Exchange& x) const {
  return pipeline_->call(index_, x);
}

Pipeline& Pipeline::then(std::string name, Stage stage) {
  stages_.push_back({std::move(name), std::move(stage)});
  return *this;
}

std::vector<std::string> Pipeline::names() const {
  std::vector<std::string> out;
  for (auto const& s : stages_) out.push_back(s.name);
  return out;
}

asio::awaitable<Result<Response>> Pipeline::call(std::size_t index, Exchange& x) const {
  if (index >= stages_.size()) {
    co_return make_error(ErrorCode::not_found, "Not found", fmt::format("No route for {}", x.req.path));
  }
  co_return co_await stages_[index].stage(x, Next(*this, index + 1));
}

}  // namespace astropixel::http
