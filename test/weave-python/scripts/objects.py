"""Published objects: weave.publish of a dict, a weave.Object subclass and a weave.Dataset;
weave.ref(uri).get() and client.get(ref); a Dataset row passed to an op; a Dataset of over 1,000
rows, sent in parts; delete_object_version and delete_op_version."""

from __future__ import annotations

import harness
import weave

client, init_seconds = harness.init()

CONFIG_V0 = {"a": 1, "b": [1, 2], "nested": {"c": "x", "pi": 3.25}, "flag": False, "none": None}
CONFIG_V1 = {**CONFIG_V0, "a": 2}
ROWS = [
    {"id": "0", "question": "1+1?", "expected": "2"},
    {"id": "1", "question": "capital of France?", "expected": "Paris"},
    {"id": "2", "question": "color of the sky?", "expected": "blue"},
]


class Prompt(weave.Object):
    template: str
    temperature: float = 0.5

    @weave.op
    def render(self, subject: str) -> str:
        return self.template.format(subject=subject)


# ---- a dict, two versions ---------------------------------------------------------------------

config_v0 = weave.publish(CONFIG_V0, name="py-config")
config_v1 = weave.publish(CONFIG_V1, name="py-config")
assert config_v0.digest != config_v1.digest
assert weave.publish(CONFIG_V1, name="py-config").digest == config_v1.digest  # same content, same version
config_back = harness.plain(weave.ref(config_v0.uri()).get())
assert config_back == CONFIG_V0, config_back
latest_back = harness.plain(weave.ref("py-config").get())  # short form: latest
assert latest_back == CONFIG_V1, latest_back

# ---- a weave.Object subclass with an op method ------------------------------------------------

prompt = Prompt(name="py-prompt", template="Tell me about {subject}.", temperature=0.25)
prompt_ref = weave.publish(prompt)
prompt_back = client.get(prompt_ref)
prompt_view = {
    # A class the reader did not register comes back as a WeaveObject that keeps its class name.
    "class": type(prompt_back).__name__,
    "class_name": prompt_back._class_name,
    "template": prompt_back.template,
    "temperature": prompt_back.temperature,
    "name": prompt_back.name,
}
assert prompt_view == {
    "class": "WeaveObject",
    "class_name": "Prompt",
    "template": "Tell me about {subject}.",
    "temperature": 0.25,
    "name": "py-prompt",
}, prompt_view
rendered, render_call = prompt.render.call(prompt, "weft")
assert rendered == "Tell me about weft."
# The loaded object's op is rebuilt from the source file the SDK uploaded, and runs.
loaded_rendered, loaded_render_call = prompt_back.render.call(prompt_back, "loaded")
assert loaded_rendered == "Tell me about loaded.", loaded_rendered

# ---- a Dataset, and one of its rows passed to an op -------------------------------------------

dataset = weave.Dataset(name="py-dataset", description="three rows", rows=ROWS)
dataset_ref = weave.publish(dataset)
dataset_back = weave.ref(dataset_ref.uri()).get()
dataset_view = {
    "class": type(dataset_back).__name__,
    "name": dataset_back.name,
    "description": dataset_back.description,
    "length": len(dataset_back.rows),
    "rows": [harness.plain(row) for row in dataset_back.rows],
}
assert dataset_view["rows"] == ROWS, dataset_view
assert dataset_view["class"] == "Dataset"


@weave.op
def answer(row: dict) -> str:
    return row["expected"]


row_answer, row_call = answer.call(dataset_back.rows[1])
assert row_answer == "Paris"

# ---- a Dataset of over 1,000 rows -------------------------------------------------------------
# The client first asks /table/create_from_digests with no digests whether the server has it; weft
# does, so the rows go as chunk tables made whole by their row digests (a 404 would mean appends).

LARGE_ROWS = [{"index": index, "question": f"{index} + {index}?"} for index in range(1500)]
large_ref = weave.publish(weave.Dataset(name="py-large-dataset", rows=LARGE_ROWS))
large_back = weave.ref(large_ref.uri()).get()
large_view = {
    "length": len(large_back.rows),
    "first": harness.plain(large_back.rows[0]),
    "last": harness.plain(large_back.rows[1499]),
}
assert large_view == {"length": 1500, "first": LARGE_ROWS[0], "last": LARGE_ROWS[-1]}, large_view

# ---- deleting an object version and an op version ---------------------------------------------


@weave.op
def retired(x: int) -> int:
    return x


retired(1)
retired_ref = weave.publish(retired)
client.flush()


def read_error(uri: str) -> str:
    """What reading a deleted version raises: weft's 404 carries `deleted_at`, so the client does
    not retry and raises a ValueError with weft's reason."""
    try:
        weave.ref(uri).get()
    except ValueError as error:
        return str(error)
    return "found"


client.delete_object_version(config_v0)
deleted_object_read = read_error(config_v0.uri())
still_latest = harness.plain(weave.ref("py-config:latest").get())
assert still_latest == CONFIG_V1

client.delete_op_version(retired_ref)
deleted_op_read = read_error(retired_ref.uri())

client.flush()
harness.emit(
    {
        "init_seconds": init_seconds,
        "config_v0": config_v0.uri(),
        "config_v1": config_v1.uri(),
        "prompt_ref": prompt_ref.uri(),
        "prompt_view": prompt_view,
        "render_call": render_call.id,
        "loaded_render_call": loaded_render_call.id,
        "dataset_ref": dataset_ref.uri(),
        "dataset_view": dataset_view,
        "row_call": row_call.id,
        "large_dataset_ref": large_ref.uri(),
        "large_dataset_view": large_view,
        "retired_ref": retired_ref.uri(),
        "deleted_object_read": deleted_object_read,
        "deleted_op_read": deleted_op_read,
    }
)
client.finish(use_progress_bar=False)
