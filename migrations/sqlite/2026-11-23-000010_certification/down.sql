DROP TABLE certifications;
DROP TABLE certification_applications;
