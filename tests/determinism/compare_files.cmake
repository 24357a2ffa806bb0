# cmake -DREF=a -DOUT=b -P compare_files.cmake: fails unless the two files are byte-identical.
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${REF} ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fingerprints differ: ${OUT} vs ${REF} (diff them to see the first divergent event)")
endif()
file(SIZE ${REF} size)
message("identical fingerprints (${size} bytes): ${OUT} == ${REF}")
