// Preprocessing steps that other local parts reuse (the line finder): internal, not installed.
#pragma once

#include <opencv2/core/mat.hpp>

namespace crossocr {

// Text is the minority class of a global (Otsu) threshold: white (255) on text.
cv::Mat minority_mask(const cv::Mat& gray);

// Skew of a text mask in degrees (-8..8, steps of 0.5), from the projection profile.
double estimate_skew_degrees(const cv::Mat& text_mask);

// Rotates about the centre, keeping the size; borders repeat the edge.
cv::Mat rotate_image(const cv::Mat& image, double degrees);

}  // namespace crossocr
