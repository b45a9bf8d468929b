# Shared build settings for every GadgetGrove target.
add_library(gg_options INTERFACE)
target_compile_options(gg_options INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
# g++ 12 at -O2/-O3 reports -Wrestrict on std::string appends inlined from libstdc++ (GCC bug
# 105329, fixed in 13): a false positive that -Werror would turn into a failed build.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(gg_options INTERFACE -Wno-restrict)
endif()
if(GG_WERROR)
  target_compile_options(gg_options INTERFACE -Werror)
endif()
# GG_BUILD_FUZZ with clang: every library is instrumented for coverage (fuzzer-no-link) and
# built with ASan+UBSan, so a fuzz target sees the code under test, not only its own file.
option(GG_BUILD_FUZZ "Build libFuzzer targets (clang only)" OFF)
set(GG_FUZZ_INSTRUMENT OFF)
if(GG_BUILD_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  if(NOT GG_SANITIZE STREQUAL "" AND NOT GG_SANITIZE STREQUAL "address")
    message(FATAL_ERROR "GG_BUILD_FUZZ builds with ASan+UBSan: GG_SANITIZE must be empty or 'address'")
  endif()
  set(GG_FUZZ_INSTRUMENT ON)
  target_compile_options(gg_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(GG_SANITIZE STREQUAL "address" OR GG_FUZZ_INSTRUMENT)
  target_compile_options(gg_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                              -fno-sanitize-recover=undefined)
  target_link_options(gg_options INTERFACE -fsanitize=address,undefined)
  # g++'s flow analysis sees the sanitizers' instrumentation and reports values "maybe used
  # uninitialized" that are not (inside boost::system::result's moves): noise, not findings.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(gg_options INTERFACE -Wno-maybe-uninitialized)
  endif()
elseif(GG_SANITIZE STREQUAL "thread")
  # -Wno-tsan: g++ 12 warns that TSan does not model the fence Asio uses, which -Werror turns
  # into a build failure in every target that includes Asio.
  target_compile_options(gg_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  target_link_options(gg_options INTERFACE -fsanitize=thread)
elseif(NOT GG_SANITIZE STREQUAL "")
  message(FATAL_ERROR "GG_SANITIZE must be empty, 'address' or 'thread'")
endif()
# Asio: no deprecated interfaces, and one io_context per process is the norm here.
target_compile_definitions(gg_options INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_ALLOW_DEPRECATED_HEADERS)

# gg_stage(<name> SOURCES ... DEPENDS <stage>... HEADERS <stage>/<header>... DEPS <library>...):
# the library gg_<name> for src/<name>. DEPENDS and HEADERS are the stage graph. DEPENDS: the
# stages whose public headers (include/gadgetgrove/<stage>/) this one may include and whose
# libraries it links. HEADERS: single header-only public headers of other stages it may include
# without linking them (e.g. ingest/server_event.hpp). Each stage named must already be defined
# (src/CMakeLists.txt adds stages in dependency order, so the graph has no cycle). DEPS are
# third-party libraries only. Private headers stay in src/<name>/, on this target's include path
# alone. The graph is written to <build>/stage_graph.txt for tools/check-layering.py, which fails
# when a source includes a header of a stage it does not depend on; docs/layering.md draws it.
function(gg_stage name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;HEADERS;DEPS" ${ARGN})
  foreach(header ${ARG_HEADERS})
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/include/gadgetgrove/${header})
      message(FATAL_ERROR "gg_stage(${name}): HEADERS ${header} is not a public header "
                          "(include/gadgetgrove/<stage>/<header>)")
    endif()
  endforeach()
  gg_stage_record(${name} ${ARG_DEPENDS} ${ARG_HEADERS})
  foreach(lib ${ARG_DEPS})
    if(lib MATCHES "^gg_")
      message(FATAL_ERROR "gg_stage(${name}): ${lib} is a stage; name it in DEPENDS, not DEPS")
    endif()
  endforeach()
  add_library(gg_${name} STATIC ${ARG_SOURCES})
  target_include_directories(gg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  list(TRANSFORM ARG_DEPENDS PREPEND gg_ OUTPUT_VARIABLE stage_libs)
  target_link_libraries(gg_${name} PUBLIC gg_options ${stage_libs} ${ARG_DEPS})
endfunction()

# gg_stage_record(<name> <stage>|<stage>/<header>...): adds <name> and what it may use to the
# stage graph (gg_stage calls it; the composition root, src/app, calls it itself).
function(gg_stage_record name)
  foreach(entry ${ARGN})
    string(REGEX REPLACE "/.*" "" dep "${entry}")
    if(NOT TARGET gg_${dep})
      message(FATAL_ERROR "stage ${name} depends on ${dep}, which is not defined before it: "
                          "stages are added in dependency order (src/CMakeLists.txt)")
    endif()
  endforeach()
  string(REPLACE ";" " " deps "${ARGN}")
  set_property(GLOBAL APPEND PROPERTY GG_STAGE_GRAPH "${name}:${deps}")
endfunction()

# gg_stage_graph_write(<file>): one line per stage, "<stage>: <stage it may use>...".
function(gg_stage_graph_write file)
  get_property(graph GLOBAL PROPERTY GG_STAGE_GRAPH)
  list(JOIN graph "\n" text)
  file(CONFIGURE OUTPUT ${file} CONTENT "${text}\n")
endfunction()

# gg_test(<name> LABEL unit|integration|e2e SOURCES ... DEPS ...): one Catch2 executable,
# its test cases registered with CTest and labelled so a subset runs with `ctest -L unit`. Each
# case also carries the executable's name as a label: `ctest -L '^queue_unit_test$'` runs one
# executable's cases (tools/test.sh's TSan stage selects the concurrent stages' tests so).
function(gg_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_link_libraries(${name} PRIVATE gg_options gg_test_support Catch2::Catch2WithMain ${ARG_DEPS})
  # --warn NoTests: a CTest entry whose filter matches no test case fails instead of passing.
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests TEST_LIST ${name}_cases
                       PROPERTIES ENVIRONMENT "GG_BINARY=${CMAKE_BINARY_DIR}/gadgetgrove"
                       ENVIRONMENT_MODIFICATION "GG_SOURCE_DIR=set:${PROJECT_SOURCE_DIR}"
                       DISCOVERY_TIMEOUT 30)
  # The labels are set by a script CTest runs after the discovered cases are defined: a list
  # value cannot pass through catch_discover_tests' PROPERTIES, which flattens it.
  set(labels_script ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
  file(CONFIGURE OUTPUT ${labels_script} @ONLY CONTENT
"if(@name@_cases)
  set_tests_properties(\${@name@_cases} PROPERTIES LABELS \"@ARG_LABEL@;@name@\")
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_script})
endfunction()

# gg_embed_assets(<target> WEB_DIR <dir> NAMESPACE <ns> [FILES <name>=<path>...]): compiles every
# file under WEB_DIR, and each FILES path under its <name> (a library installed at build time;
# the path may be the OUTPUT of a custom command), into <target>, regenerated whenever one of
# them changes. The target's sources include "<target>_assets.hpp", which declares
#   const gg::http::static_assets& <ns>::embedded_assets() noexcept;
# (names relative to WEB_DIR, content type by extension, ETag from the SHA-256). The target must
# link gg_http.
function(gg_embed_assets target)
  cmake_parse_arguments(ARG "" "WEB_DIR;NAMESPACE" "FILES" ${ARGN})
  if(NOT ARG_WEB_DIR OR NOT ARG_NAMESPACE)
    message(FATAL_ERROR "gg_embed_assets(${target}) needs WEB_DIR and NAMESPACE")
  endif()
  set(header ${target}_assets.hpp)
  set(generated_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_assets)
  set(source ${generated_dir}/${target}_assets.cpp)
  file(CONFIGURE OUTPUT ${generated_dir}/${header} CONTENT
"#pragma once
// Generated by gg_embed_assets() (cmake/gg.cmake). Do not edit.
#include <gadgetgrove/http/static_assets.hpp>

namespace ${ARG_NAMESPACE} {

/// Every file of ${ARG_WEB_DIR}, sorted by path; static storage.
const gg::http::static_assets& embedded_assets() noexcept;

}  // namespace ${ARG_NAMESPACE}
")
  file(GLOB_RECURSE web_files CONFIGURE_DEPENDS ${ARG_WEB_DIR}/*)
  set(extra_paths "")
  foreach(pair ${ARG_FILES})
    if(NOT pair MATCHES "^([^=]+)=(.+)$")
      message(FATAL_ERROR "gg_embed_assets(${target}): FILES entry '${pair}' is not <name>=<path>")
    endif()
    list(APPEND extra_paths "${CMAKE_MATCH_2}")
  endforeach()
  string(REPLACE ";" "|" extra "${ARG_FILES}")
  add_custom_command(
    OUTPUT ${source}
    COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${ARG_WEB_DIR} -DOUTPUT=${source}
            -DNAMESPACE=${ARG_NAMESPACE} -DHEADER=${header} "-DFILES=${extra}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
    DEPENDS ${web_files} ${extra_paths} ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
    COMMENT "Embedding ${ARG_WEB_DIR} into ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE ${source})
  target_include_directories(${target} PRIVATE ${generated_dir})
endfunction()
