// The whole public API in one include.
#pragma once

#include "crossocr/engine.hpp"
#include "crossocr/errors.hpp"
#include "crossocr/image_loader.hpp"
#include "crossocr/local_engine.hpp"
#include "crossocr/output.hpp"
#include "crossocr/preprocessor.hpp"
#include "crossocr/reading.hpp"
#include "crossocr/runner.hpp"
#include "crossocr/tesseract_engine.hpp"
#include "crossocr/version.hpp"
