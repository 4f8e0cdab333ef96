#include "storage/s3/s3_metrics.hpp"

namespace astropixel::storage {

void add_object_store_metrics(metrics::Metrics& metrics, S3Client const& client) {
  metrics.add_collector([&client](metrics::Metrics::GaugeSetter const& set) {
    auto st = client.stats();
    set("astropixel_object_store_requests_total", "Requests sent to the object store", {},
        static_cast<double>(st.requests));
    set("astropixel_object_store_retries_total", "Requests retried after a transient failure", {},
        static_cast<double>(st.retries));
    set("astropixel_object_store_failures_total", "Operations that failed after every retry", {},
        static_cast<double>(st.failures));
    set("astropixel_object_store_breaker_rejections_total", "Operations refused at once by the open breaker",
        {}, static_cast<double>(st.breaker_rejections));
    set("astropixel_object_store_breaker_open", "1 while the circuit breaker is open", {},
        st.breaker_open ? 1.0 : 0.0);
  });
}

}  // namespace astropixel::storage
