// The public API in one include: open a Reader (reader.hpp) from options (options.hpp), read
// images into Readings (reading.hpp), turn results into JSON (output.hpp), and evaluate modes on
// labelled sets (evaluation.hpp, metrics.hpp, run_store.hpp). Everything else is internal.
#pragma once

#include "crossocr/alignment.hpp"
#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"
#include "crossocr/image_loader.hpp"
#include "crossocr/metrics.hpp"
#include "crossocr/options.hpp"
#include "crossocr/output.hpp"
#include "crossocr/page_formats.hpp"
#include "crossocr/reader.hpp"
#include "crossocr/reading.hpp"
#include "crossocr/reconciler.hpp"
#include "crossocr/run_store.hpp"
#include "crossocr/version.hpp"
