# Our own targets build with warnings as errors; third-party headers are system includes.
function(astropixel_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
                                           -Werror
                                           # GCC 12 reports false positives for std::variant<std::string> at -O2.
                                           -Wno-maybe-uninitialized
                                           # GCC 12 misreports asio coroutine frames (custom operator new/delete).
                                           -Wno-mismatched-new-delete)
  # Asio keeps freed coroutine frames per thread for reuse, 2 by default; a request nests a frame per
  # pipeline stage and handler (about 25), so most came from malloc again (ADR 0037). The same value
  # in every translation unit: it sizes a structure in Asio's headers.
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=32)
endfunction()

# A unit test next to the code it tests: foo_test.cpp → test binary registered with CTest.
function(astropixel_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  astropixel_target(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main GTest::gmock)
  add_test(NAME ${name} COMMAND ${name})
endfunction()
