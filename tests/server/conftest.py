import pytest
from fastapi.testclient import TestClient
from server.main import app

@pytest.fixture
def client():
    return TestClient(app)

@pytest.fixture
def test_user():
    return {
        "id": "test-user-123",
        "username": "testuser",
        "role": "user"
    }
