"""The forecast over many patients: the engine's dose rules applied to arrays of patients."""
