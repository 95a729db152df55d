import pytest

from okno.automation import services


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a function and run everything it committed (events, handlers, cascades)."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


@pytest.fixture
def make_trigger(world):
    def make(name="Rule", events=("created",), conditions=(), actions=(), **extra):
        return services.trigger_save(
            actor=world.admin,
            values={
                "name": name,
                "events": list(events),
                "conditions": list(conditions),
                "actions": list(actions),
                **extra,
            },
        )

    return make
