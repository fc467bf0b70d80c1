"""Report figures and summaries of each field's problems, named by the problem declarations and run when a report is written."""
