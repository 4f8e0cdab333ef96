#pragma once
// The object store client's figures at every scrape: requests sent, retries after transient
// failures, operations that failed after every retry, and the circuit breaker's state.
#include "metrics/metrics.hpp"
#include "storage/s3/s3_client.hpp"

namespace astropixel::storage {

// `client` must outlive `metrics`' scrapes.
void add_object_store_metrics(metrics::Metrics& metrics, S3Client const& client);

}  // namespace astropixel::storage
