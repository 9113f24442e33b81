"""Studies: many of a user's videos compared by the variables the user gives them.

- `membership.py`: which videos are in a study, the study's variables and each video's values
  (by hand or by CSV import);
- `participants.py`: participant labels across videos, and suggestions from identity encodings;
- `comparison.py`: the numbers of the study page, read from each run's stored timeline summary;
- `tidy_export.py`: the long-format CSV and the JSON of a study.

May import analysis.results, analysis.models, videos and analysis.core; the pages and the API
import it.
"""
