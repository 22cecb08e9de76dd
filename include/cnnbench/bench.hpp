// cnnbench/bench.hpp: the benchmark harness: protocols, the trial runner, checkpoints, metrics and reports.
#pragma once
#include "bench/checkpoint.hpp"
#include "bench/distributed.hpp"
#include "bench/metrics.hpp"
#include "bench/program.hpp"
#include "bench/progress.hpp"
#include "bench/protocol.hpp"
#include "bench/protocols.hpp"
#include "bench/report.hpp"
#include "bench/results.hpp"
#include "bench/trainer.hpp"
#include "bench/trials.hpp"
