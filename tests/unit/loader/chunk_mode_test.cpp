#include "chunk_mode.hpp"

#include <catch2/catch.hpp>

using gg::loader::detail::chunk_mode;

TEST_CASE("chunks are streamed until a duplicate turns up", "[unit][loader]") {
  chunk_mode mode(3);
  CHECK(mode.streams());
  mode.duplicate_seen();
  CHECK_FALSE(mode.streams());
}

TEST_CASE("streaming resumes after the given number of clean lookups in a row", "[unit][loader]") {
  chunk_mode mode(3);
  mode.duplicate_seen();
  mode.looked_up(false);
  mode.looked_up(false);
  CHECK_FALSE(mode.streams());
  mode.looked_up(false);
  CHECK(mode.streams());
  // A clean lookup while streaming (a guarded load looks every chunk up) changes nothing.
  mode.looked_up(false);
  CHECK(mode.streams());
}

TEST_CASE("a lookup that finds a loaded id starts the count again", "[unit][loader]") {
  chunk_mode mode(2);
  mode.duplicate_seen();
  mode.looked_up(false);
  mode.looked_up(true);
  mode.looked_up(false);
  CHECK_FALSE(mode.streams());
  mode.looked_up(false);
  CHECK(mode.streams());
  mode.looked_up(true);
  CHECK_FALSE(mode.streams());
}

TEST_CASE("with no lookups after a duplicate every chunk is streamed", "[unit][loader]") {
  chunk_mode mode(0);
  mode.duplicate_seen();
  CHECK(mode.streams());
}
