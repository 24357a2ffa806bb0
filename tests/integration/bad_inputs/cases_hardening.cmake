# Cases of the hardening rules (docs/hardening.md: crashes, output files, bounded resources,
# overflow, messages), kept apart from the main list so both grow without conflicts; appended to
# BAD_INPUT_CASES.
list(APPEND BAD_INPUT_CASES
  astra_cli_huge_counts
  astra_run_injection_scale_overflow
  astra_system_deep_nesting
  astra_system_int64_max_splits
  et_duration_sum_overflow
  et_huge_comm_size
  et_run_send_outside_network
  run_hdf5_to_device
  run_link_stats_interval_1ps
  run_output_folder_missing
  run_progress_interval_nan
  run_same_output_twice
  run_summary_json_dev_full
  run_summary_json_dev_stdout
  scenario_alias_bomb
  scenario_injection_scale_overflow
  scenario_latency_1e15ns
  scenario_section_dev_zero
  text_convert_dev_zero
  validate_output_folder_missing
)
