DROP TABLE screening_clearances;
DROP TABLE screening_entries;
DROP TABLE screening_imports;
