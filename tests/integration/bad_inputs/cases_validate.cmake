# Cases of `tessera validate` loading the traces and of custom collectives (docs/collectives.md),
# kept apart from the main list so both grow without conflicts; appended to BAD_INPUT_CASES.
list(APPEND BAD_INPUT_CASES
  custom_cycle
  custom_missing_file
  custom_run_wrong_npu_count
  custom_wrong_npu_count
  run_et_cycle
  text_unknown_collective_warning
  validate_et_cycle
  validate_et_dangling_dep
  validate_et_send_without_dst_tag
  validate_et_truncated
)
