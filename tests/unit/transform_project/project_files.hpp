#pragma once
// Helpers for the project tests: write a small project into a temporary directory, the path of
// the committed fixture projects, and whitespace-insensitive SQL comparison.

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>

namespace gg::test {

/// Writes each (relative path, text) under `dir`, creating folders.
inline void write_files(const std::filesystem::path& dir,
                        std::initializer_list<std::pair<std::string, std::string>> files) {
  for (const auto& [rel, text] : files) {
    const std::filesystem::path p = dir / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  }
}

/// The committed fixture projects (tests/unit/transform_project/projects).
inline std::filesystem::path fixture_projects() {
  return std::filesystem::path(GG_TRANSFORM_PROJECT_FIXTURES);
}

/// `s` with every run of whitespace made one space, trimmed: compares SQL regardless of layout.
inline std::string squash(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace gg::test
