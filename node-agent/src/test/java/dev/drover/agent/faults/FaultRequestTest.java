package dev.drover.agent.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.drover.agent.gpu.FaultKind;
import dev.drover.protocol.Json;
import dev.drover.protocol.spec.FieldError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FaultRequestTest {
  private static FaultRequest parse(String json) throws Exception {
    return Json.mapper().readValue(json, FaultRequest.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "{\"gpu\":3,\"xid\":79}                           | 3 | XID                   | 79",
    "{\"gpu\":3,\"fault\":\"xid\",\"xid\":48}         | 3 | XID                   | 48",
    "{\"gpu\":1,\"fault\":\"ECC_DBE\",\"count\":2}    | 1 | ECC_DBE               | 2",
    "{\"gpu\":1,\"fault\":\"ECC_SBE\"}                | 1 | ECC_SBE               | 1",
    "{\"gpu\":0,\"fault\":\"TEMPERATURE\",\"value\":95} | 0 | TEMPERATURE         | 95",
    "{\"gpu\":2,\"fault\":\"GPU_LOST\"}               | 2 | GPU_LOST              | ",
    "{\"gpu\":2,\"fault\":\"ROW_REMAP_FAILURE\"}      | 2 | ROW_REMAP_FAILURE     | ",
    "{\"node\":\"NVML_FAILURE\"}                      |   | NVML_FAILURE          | ",
  })
  void valid(String json, Integer gpu, FaultKind kind, Long value) throws Exception {
    assertEquals(new FaultRequest.Valid(gpu, kind, value), parse(json).validate(4));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "{\"xid\":79}                                   | /gpu   | required",
    "{\"gpu\":4,\"xid\":79}                         | /gpu   | no GPU 4 on this node: it has 4 (0 to 3)",
    "{\"gpu\":0}                                    | /fault | required: one of XID,",
    "{\"gpu\":0,\"fault\":\"MELTDOWN\"}             | /fault | unknown fault 'MELTDOWN'",
    "{\"gpu\":0,\"fault\":\"XID\"}                  | /xid   | required for XID",
    "{\"gpu\":0,\"xid\":0}                          | /xid   | XID numbers are 1 to 65535",
    "{\"gpu\":0,\"fault\":\"ECC_DBE\",\"count\":0}  | /count | must be between 1 and",
    "{\"gpu\":0,\"fault\":\"TEMPERATURE\"}          | /value | required for TEMPERATURE",
    "{\"gpu\":0,\"fault\":\"TEMPERATURE\",\"value\":900} | /value | a temperature between 0 and 150 C",
    "{\"gpu\":0,\"fault\":\"GPU_LOST\",\"value\":1} | /value | GPU_LOST takes no value",
    "{\"gpu\":0,\"fault\":\"NVML_FAILURE\"}         | /fault | NVML_FAILURE is a node-level fault",
    "{\"node\":\"FIRE\"}                            | /node  | unknown node fault 'FIRE'",
    "{\"node\":\"NVML_FAILURE\",\"gpu\":1}          | /node  | a node fault takes no gpu",
  })
  void invalidNamesTheField(String json, String pointer, String message) throws Exception {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> parse(json).validate(4));
    FieldError first = e.errors().get(0);
    assertEquals(pointer, first.pointer(), e.getMessage());
    org.junit.jupiter.api.Assertions.assertTrue(first.message().startsWith(message), e.getMessage());
  }
}
