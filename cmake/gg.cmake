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
if(GG_SANITIZE STREQUAL "address")
  target_compile_options(gg_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                              -fno-sanitize-recover=undefined)
  target_link_options(gg_options INTERFACE -fsanitize=address,undefined)
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

# gg_stage(<name> SOURCES ... DEPS ...): the library gg_<name> for src/<name>.
function(gg_stage name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(gg_${name} STATIC ${ARG_SOURCES})
  target_include_directories(gg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(gg_${name} PUBLIC gg_options ${ARG_DEPS})
endfunction()

# gg_test(<name> LABEL unit|integration|e2e SOURCES ... DEPS ...): one Catch2 executable,
# its test cases registered with CTest and labelled so a subset runs with `ctest -L unit`.
function(gg_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_link_libraries(${name} PRIVATE gg_options gg_test_support Catch2::Catch2WithMain ${ARG_DEPS})
  # --warn NoTests: a CTest entry whose filter matches no test case fails instead of passing.
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests PROPERTIES LABELS "${ARG_LABEL}"
                       ENVIRONMENT "GG_BINARY=${CMAKE_BINARY_DIR}/gadgetgrove"
                       ENVIRONMENT_MODIFICATION "GG_SOURCE_DIR=set:${PROJECT_SOURCE_DIR}"
                       DISCOVERY_TIMEOUT 30)
endfunction()
