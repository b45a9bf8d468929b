# Runs cmake/embed_assets.cmake on a scratch folder: the table lists WEB_DIR's files and the FILES
# extras sorted by name, with type and SHA-256 ETag; a name embedded twice, a missing extra, a
# malformed FILES entry and a file name outside the allowed characters are errors.
#   cmake -DSCRIPT=<cmake/embed_assets.cmake> -DWORK=<scratch dir> -P embed_assets_test.cmake
if(NOT SCRIPT OR NOT WORK)
  message(FATAL_ERROR "embed_assets_test.cmake needs SCRIPT and WORK")
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/web/sub)
file(WRITE ${WORK}/web/b.js "b()")
file(WRITE ${WORK}/web/sub/a.css "a{}")
file(WRITE ${WORK}/web/empty.txt "")
file(WRITE ${WORK}/lib.min.js "lib")

function(embed out files result_var output_var)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${WORK}/web -DOUTPUT=${out} -DNAMESPACE=t::detail
            -DHEADER=t_assets.hpp "-DFILES=${files}" -P ${SCRIPT}
    RESULT_VARIABLE result ERROR_VARIABLE err OUTPUT_QUIET)
  set(${result_var} ${result} PARENT_SCOPE)
  set(${output_var} "${err}" PARENT_SCOPE)
endfunction()

# CMake wraps its error messages: whitespace runs compare as one space.
function(expect_contains text needle)
  string(REGEX REPLACE "[ \n]+" " " text "${text}")
  string(REGEX REPLACE "[ \n]+" " " needle "${needle}")
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected to find\n  ${needle}\nin\n${text}")
  endif()
endfunction()

embed(${WORK}/ok.cpp "vendor/lib.js=${WORK}/lib.min.js" result err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "embedding failed: ${err}")
endif()
file(READ ${WORK}/ok.cpp cpp)
file(SHA256 ${WORK}/web/b.js b_digest)
string(SUBSTRING "${b_digest}" 0 20 b_etag)
expect_contains("${cpp}" "namespace t::detail {")
expect_contains("${cpp}" "#include \"t_assets.hpp\"")
expect_contains("${cpp}" "std::array<static_asset, 4>")
expect_contains("${cpp}" "{\"b.js\", \"text/javascript; charset=utf-8\", std::string_view{asset_0, 3}, \"\\\"${b_etag}\\\"\"}")
expect_contains("${cpp}" "{\"empty.txt\", \"text/plain; charset=utf-8\", std::string_view{asset_1, 0}")
expect_contains("${cpp}" "{\"sub/a.css\", \"text/css; charset=utf-8\", std::string_view{asset_2, 3}")
expect_contains("${cpp}" "{\"vendor/lib.js\", \"text/javascript; charset=utf-8\", std::string_view{asset_3, 3}")
expect_contains("${cpp}" "'\\x62','\\x28','\\x29',")  # b()

embed(${WORK}/twice.cpp "b.js=${WORK}/lib.min.js" result err)
if(result EQUAL 0)
  message(FATAL_ERROR "a name embedded twice was accepted")
endif()
expect_contains("${err}" "'b.js' is embedded twice")

embed(${WORK}/missing.cpp "x.js=${WORK}/nope.js" result err)
if(result EQUAL 0)
  message(FATAL_ERROR "a missing FILES path was accepted")
endif()
expect_contains("${err}" "nope.js (embedded as 'x.js') is not a file")

embed(${WORK}/malformed.cpp "x.js" result err)
if(result EQUAL 0)
  message(FATAL_ERROR "a FILES entry without a path was accepted")
endif()
expect_contains("${err}" "FILES entry 'x.js' is not <name>=<path>")

file(WRITE "${WORK}/web/bad name.js" "x")
embed(${WORK}/badname.cpp "" result err)
if(result EQUAL 0)
  message(FATAL_ERROR "a file name with a space was accepted")
endif()
expect_contains("${err}" "may only hold")
file(REMOVE_RECURSE ${WORK})
message(STATUS "embed_assets.cmake: all checks passed")
