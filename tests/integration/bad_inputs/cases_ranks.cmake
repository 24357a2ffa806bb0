# Cases of errors found on several ranks or on one (every rank ends with every error, once, in
# NPU order), of runs that must not succeed silently (unmatched messages, empty output paths,
# surplus traces) and of rank-count checks; appended to BAD_INPUT_CASES.
list(APPEND BAD_INPUT_CASES
  et_more_traces_allowed
  ranks_all_npus_errors_in_order
  ranks_group_missing_npus_run
  ranks_group_missing_npus_validate
  ranks_unsupported_collective_one_npu
  ranks_zero_latency_one_rank
  ranks_zero_latency_two_ranks
  ranks_zero_latency_validate_two_ranks
  run_more_traces_than_npus
  run_output_empty_path
  run_summary_json_empty_path
  run_unmatched_recv
  run_unmatched_send
  scenario_output_empty_path
  validate_unsupported_collective
)
